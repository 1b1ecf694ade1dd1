// The shop program for the client oapi-codegen generated (types and client).
//
// Starts payments with float64 and string amounts, pays at the Bansky sandbox, verifies the
// postbacks with the Standard Webhooks Go library, reads, lists, resends, and meets a 400 and a
// 429 as the generated Problem type; then sends what a float32 encoder prints and must be refused.
// Prints one `check <name> ok|FAIL <why>` line per check.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/shop/aimbrellapay"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

type verifiedPostback struct {
	webhookID, typ, id, status, amount string
}

var (
	ctx      = context.Background()
	mu       sync.Mutex
	verified []verifiedPostback
	shop     string
)

func main() {
	rateLimit, _ := strconv.Atoi(os.Getenv("MATRIX_RATE_LIMIT"))
	token := os.Getenv("AIMBRELLAPAY_TOKEN")
	client, err := aimbrellapay.NewClientWithResponses(os.Getenv("AIMBRELLAPAY_URL"), aimbrellapay.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	must(err)
	startShop(os.Getenv("AIMBRELLAPAY_WEBHOOK_SECRET"))

	initAndReadBack := func(txID string, amount aimbrellapay.AmountInput, currency, stored string) (*aimbrellapay.PaymentStarted, error) {
		postback := shop + "/hooks/aimbrellapay"
		res, err := client.InitPaymentWithResponse(ctx, aimbrellapay.InitPaymentRequest{
			Id: &txID, Email: "jane.doe@example.com", Amount: amount, Currency: currency,
			SuccessUrl: shop + "/thanks", ErrorUrl: shop + "/failed", PostbackUrl: &postback,
		})
		if err != nil {
			return nil, err
		}
		if res.JSON201 == nil {
			return nil, fmt.Errorf("init answered %d: %s", res.StatusCode(), res.Body)
		}
		read, err := client.GetPaymentWithResponse(ctx, res.JSON201.Id)
		if err != nil {
			return nil, err
		}
		if read.JSON200 == nil || read.JSON200.Amount != stored {
			return nil, fmt.Errorf("stored amount: expected %q, got %s", stored, read.Body)
		}
		return res.JSON201, nil
	}
	number := func(v float64) aimbrellapay.AmountInput {
		var a aimbrellapay.AmountInput
		must(a.FromAmountInput1(v))
		return a
	}
	text := func(v string) aimbrellapay.AmountInput {
		var a aimbrellapay.AmountInput
		must(a.FromAmount(v))
		return a
	}

	var eur *aimbrellapay.PaymentStarted
	check("number 1234567.89 EUR stored exactly", func() (err error) {
		eur, err = initAndReadBack("order-eur", number(1234567.89), "EUR", "1234567.89")
		return err
	})
	check("number 19.99 USD stored exactly", func() error {
		_, err := initAndReadBack("order-usd", number(19.99), "USD", "19.99")
		return err
	})
	check("number 100 JPY stored exactly", func() error {
		_, err := initAndReadBack("order-jpy", number(100), "JPY", "100")
		return err
	})
	check("string 0.000000000000000001 ETH stored exactly", func() error {
		_, err := initAndReadBack("order-eth", text("0.000000000000000001"), "ETH", "0.000000000000000001")
		return err
	})
	eurID := "pay_missing"
	if eur != nil {
		eurID = eur.Id
	}

	check("paid at the sandbox, postback verified", func() error {
		if eur == nil {
			return fmt.Errorf("no EUR payment")
		}
		if err := payAtSandbox(eur.Url); err != nil {
			return err
		}
		p, err := waitFor(func(p verifiedPostback) bool { return p.id == eurID && p.typ == "payment.paid" }, "payment.paid")
		if err == nil && p.amount != "1234567.89" {
			err = fmt.Errorf("postback amount %q", p.amount)
		}
		return err
	})
	check("get → paid", func() error {
		res, err := client.GetPaymentWithResponse(ctx, eurID)
		if err != nil {
			return err
		}
		if res.JSON200 == nil || res.JSON200.Status != aimbrellapay.PaymentStatusPaid || res.JSON200.Amount != "1234567.89" {
			return fmt.Errorf("got %s", res.Body)
		}
		return nil
	})
	check("list with filters", func() error {
		paid, eurCode := aimbrellapay.PaymentStatusPaid, "EUR"
		res, err := client.ListPaymentsWithResponse(ctx, &aimbrellapay.ListPaymentsParams{Status: &paid, Currency: &eurCode})
		if err != nil {
			return err
		}
		if res.JSON200 == nil || len(res.JSON200.Items) != 1 || res.JSON200.Items[0].Id != eurID {
			return fmt.Errorf("paid EUR payments: %s", res.Body)
		}
		awaiting, usdCode := aimbrellapay.PaymentStatusAwaitingPayment, "USD"
		usd, err := client.ListPaymentsWithResponse(ctx, &aimbrellapay.ListPaymentsParams{Status: &awaiting, Currency: &usdCode})
		if err != nil {
			return err
		}
		found := false
		for _, p := range usd.JSON200.Items {
			if p.Currency != "USD" || p.Status != awaiting {
				return fmt.Errorf("awaiting USD payments: %s", usd.Body)
			}
			found = found || p.Amount == "19.99"
		}
		if !found {
			return fmt.Errorf("awaiting USD payments: %s", usd.Body)
		}
		return nil
	})
	check("resend → postback verified again", func() error {
		res, err := client.ResendPostbackWithResponse(ctx, eurID)
		if err != nil {
			return err
		}
		if res.JSON202 == nil {
			return fmt.Errorf("resend answered %d: %s", res.StatusCode(), res.Body)
		}
		_, err = waitFor(func(verifiedPostback) bool { return count(eurID) >= 2 }, "the resent postback")
		return err
	})
	check("400 as a typed problem", func() error {
		res, err := client.InitPaymentWithResponse(ctx, aimbrellapay.InitPaymentRequest{
			Email: "jane.doe@example.com", Amount: text("10.001"), Currency: "USD", SuccessUrl: shop + "/thanks", ErrorUrl: shop + "/failed",
		})
		if err != nil {
			return err
		}
		if res.ApplicationproblemJSON400 == nil || res.ApplicationproblemJSON400.Code != aimbrellapay.ErrorCodeInvalidAmount {
			return fmt.Errorf("answered %d: %s", res.StatusCode(), res.Body)
		}
		return nil
	})
	// A client built with float32 amounts: 1234567.89 as a float32 is 1234567.875, which a float32
	// encoder writes as 1.2345679e+06 (%g, 32 bits). That is not the amount the shop meant, and the
	// server must say so rather than charge 1234567.90.
	check("float32 amount refused with invalid_amount", func() error {
		f32 := strconv.FormatFloat(float64(float32(1234567.89)), 'g', -1, 32)
		body := fmt.Sprintf(`{"email":"jane.doe@example.com","amount":%s,"currency":"EUR","successUrl":%q,"errorUrl":%q}`, f32, shop+"/thanks", shop+"/failed")
		res, err := client.InitPaymentWithBodyWithResponse(ctx, "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		if res.ApplicationproblemJSON400 == nil || res.ApplicationproblemJSON400.Code != aimbrellapay.ErrorCodeInvalidAmount {
			return fmt.Errorf("sent %s, answered %d: %s", f32, res.StatusCode(), res.Body)
		}
		return nil
	})
	check("429 as a typed problem", func() error {
		for i := 0; i < rateLimit*2; i++ {
			res, err := client.GetPaymentWithResponse(ctx, eurID)
			if err != nil {
				return err
			}
			if res.StatusCode() != http.StatusTooManyRequests {
				continue
			}
			if res.ApplicationproblemJSON429 == nil || res.ApplicationproblemJSON429.Code != aimbrellapay.ErrorCodeRateLimited {
				return fmt.Errorf("429 body: %s", res.Body)
			}
			return nil
		}
		return fmt.Errorf("no 429 after %d requests", rateLimit*2)
	})
}

// startShop serves the success/error pages and the postback endpoint on a free port.
func startShop(secret string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	must(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	shop = "http://" + ln.Addr().String()
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/hooks/aimbrellapay" {
			w.WriteHeader(http.StatusOK)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var p struct {
			Type string `json:"type"`
			Data struct{ Id, Status, Amount string }
		}
		if err := json.Unmarshal(body, &p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		verified = append(verified, verifiedPostback{r.Header.Get("webhook-id"), p.Type, p.Data.Id, p.Data.Status, p.Data.Amount})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
}

// payAtSandbox is the customer: the pay link redirects to Bansky's checkout, where they click Pay.
func payAtSandbox(payURL string) error {
	page, err := http.Get(payURL)
	if err != nil {
		return err
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		return fmt.Errorf("pay link answered %d", page.StatusCode)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"action": {"pay"}}.Encode()
	done, err := noFollow.Post(page.Request.URL.String(), "application/x-www-form-urlencoded", bytes.NewBufferString(form))
	if err != nil {
		return err
	}
	done.Body.Close()
	if done.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("checkout answered %d", done.StatusCode)
	}
	return nil
}

func waitFor(pred func(verifiedPostback) bool, what string) (verifiedPostback, error) {
	for i := 0; i < 150; i++ {
		mu.Lock()
		seen := append([]verifiedPostback(nil), verified...)
		mu.Unlock()
		for _, p := range seen {
			if pred(p) {
				return p, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return verifiedPostback{}, fmt.Errorf("no verified postback: %s (%v)", what, verified)
}

func count(id string) int {
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, p := range verified {
		if p.id == id {
			n++
		}
	}
	return n
}

func check(name string, fn func() error) {
	if err := fn(); err != nil {
		fmt.Printf("check %s FAIL %s\n", name, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Printf("check %s ok\n", name)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
