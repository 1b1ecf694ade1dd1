// The shop program for OpenAPI Generator's Java client (its default library: OkHttp and Gson).
//
// Starts payments with Double and String amounts, pays at the Bansky sandbox, verifies the
// postbacks with the Standard Webhooks Java library, reads, lists, resends, and meets a 400 and a
// 429 as ApiException with the problem document (parsed with the generated Problem.fromJson). Prints one `check <name> ok|FAIL <why>` line per check.
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.openapitools.client.ApiClient;
import org.openapitools.client.ApiException;
import org.openapitools.client.api.PaymentsApi;
import org.openapitools.client.model.AmountInput;
import org.openapitools.client.model.ErrorCode;
import org.openapitools.client.model.InitPaymentRequest;
import org.openapitools.client.model.Payment;
import org.openapitools.client.model.PaymentList;
import org.openapitools.client.model.PaymentListItem;
import org.openapitools.client.model.PaymentStarted;
import org.openapitools.client.model.PaymentStatus;
import org.openapitools.client.model.Problem;
import org.openapitools.client.model.RedeliveryAccepted;

public class Shop {
  record Verified(String webhookId, String type, String id, String status, String amount) {}

  interface Check {
    void run() throws Exception;
  }

  static final List<Verified> verified = new CopyOnWriteArrayList<>();
  static String shop;
  static PaymentsApi api;

  public static void main(String[] args) throws Exception {
    String token = System.getenv("AIMBRELLAPAY_TOKEN");
    int rateLimit = Integer.parseInt(System.getenv("MATRIX_RATE_LIMIT"));
    ApiClient client = new ApiClient();
    client.setBasePath(System.getenv("AIMBRELLAPAY_URL"));
    client.setBearerToken(token);
    api = new PaymentsApi(client);
    HttpServer server = startShop(new Webhook(System.getenv("AIMBRELLAPAY_WEBHOOK_SECRET")));

    PaymentStarted[] eur = new PaymentStarted[1];
    check("number 1234567.89 EUR stored exactly", () -> eur[0] = initAndReadBack("order-eur", new AmountInput(1234567.89), "EUR", "1234567.89"));
    check("number 19.99 USD stored exactly", () -> initAndReadBack("order-usd", new AmountInput(19.99), "USD", "19.99"));
    check("number 100 JPY stored exactly", () -> initAndReadBack("order-jpy", new AmountInput(100.0), "JPY", "100"));
    check("string 0.000000000000000001 ETH stored exactly",
        () -> initAndReadBack("order-eth", new AmountInput("0.000000000000000001"), "ETH", "0.000000000000000001"));
    String eurId = eur[0] == null ? "pay_missing" : eur[0].getId();

    check("paid at the sandbox, postback verified", () -> {
      payAtSandbox(eur[0].getUrl());
      Verified p = waitFor(v -> v.id().equals(eurId) && v.type().equals("payment.paid"), "payment.paid");
      expectEqual(p.amount(), "1234567.89", "postback amount");
    });
    check("get → paid", () -> {
      Payment p = api.getPayment(eurId);
      expectEqual(p.getStatus(), PaymentStatus.PAID, "status");
      expectEqual(p.getAmount(), "1234567.89", "amount");
    });
    check("list with filters", () -> {
      PaymentList paid = api.listPayments().status(PaymentStatus.PAID).currency("EUR").execute();
      expectEqual(paid.getItems().stream().map(PaymentListItem::getId).toList(), List.of(eurId), "paid EUR payments");
      PaymentList usd = api.listPayments().status(PaymentStatus.AWAITING_PAYMENT).currency("USD").execute();
      boolean found = false;
      for (PaymentListItem p : usd.getItems()) {
        if (!p.getCurrency().equals("USD") || p.getStatus() != PaymentStatus.AWAITING_PAYMENT) throw new AssertionError("awaiting USD: " + usd);
        found |= p.getAmount().equals("19.99");
      }
      if (!found) throw new AssertionError("awaiting USD: " + usd);
    });
    check("resend → postback verified again", () -> {
      RedeliveryAccepted accepted = api.resendPostback(eurId);
      expectEqual(accepted.getStatus(), RedeliveryAccepted.StatusEnum.QUEUED, "redelivery");
      waitFor(v -> verified.stream().filter(q -> q.id().equals(eurId)).count() >= 2, "the resent postback");
    });
    check("400 as a typed problem", () -> {
      try {
        api.initPayment(new InitPaymentRequest().email("jane.doe@example.com").amount(new AmountInput("10.001")).currency("USD")
            .successUrl(URI.create(shop + "/thanks")).errorUrl(URI.create(shop + "/failed")));
        throw new AssertionError("no ApiException");
      } catch (ApiException e) {
        expectEqual(e.getCode(), 400, "status");
        expectEqual(Problem.fromJson(e.getResponseBody()).getCode(), ErrorCode.INVALID_AMOUNT, "code");
      }
    });
    check("429 as a typed problem", () -> {
      for (int i = 0; i < rateLimit * 2; i++) {
        try {
          api.getPayment(eurId);
        } catch (ApiException e) {
          expectEqual(e.getCode(), 429, "status");
          expectEqual(Problem.fromJson(e.getResponseBody()).getCode(), ErrorCode.RATE_LIMITED, "code");
          return;
        }
      }
      throw new AssertionError("no 429 after " + rateLimit * 2 + " requests");
    });
    server.stop(0);
  }

  static PaymentStarted initAndReadBack(String txId, AmountInput amount, String currency, String stored) throws ApiException {
    PaymentStarted started = api.initPayment(new InitPaymentRequest()
        .id(txId)
        .email("jane.doe@example.com")
        .amount(amount)
        .currency(currency)
        .successUrl(URI.create(shop + "/thanks"))
        .errorUrl(URI.create(shop + "/failed"))
        .postbackUrl(URI.create(shop + "/hooks/aimbrellapay")));
    expectEqual(api.getPayment(started.getId()).getAmount(), stored, "stored amount");
    return started;
  }

  /** The shop's server: success/error pages and the postback endpoint, verified with Standard Webhooks. */
  static HttpServer startShop(Webhook webhook) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      int status = 200;
      if (exchange.getRequestMethod().equals("POST") && exchange.getRequestURI().getPath().equals("/hooks/aimbrellapay")) {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
          Map<String, List<String>> headers = exchange.getRequestHeaders();
          webhook.verify(body, HttpHeaders.of(headers, (a, b) -> true));
          JsonObject p = JsonParser.parseString(body).getAsJsonObject();
          JsonObject data = p.getAsJsonObject("data");
          verified.add(new Verified(exchange.getRequestHeaders().getFirst("webhook-id"), p.get("type").getAsString(),
              data.get("id").getAsString(), data.get("status").getAsString(), data.get("amount").getAsString()));
          status = 204;
        } catch (Exception e) {
          status = 400;
        }
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
    shop = "http://127.0.0.1:" + server.getAddress().getPort();
    return server;
  }

  /** The customer: the pay link redirects to Bansky's checkout page, where they click Pay. */
  static void payAtSandbox(URI payUrl) throws Exception {
    HttpClient follow = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpResponse<String> page = follow.send(HttpRequest.newBuilder(payUrl).build(), HttpResponse.BodyHandlers.ofString());
    expectEqual(page.statusCode(), 200, "pay link → checkout page");
    HttpResponse<String> done = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(page.uri()).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("action=pay")).build(),
        HttpResponse.BodyHandlers.ofString());
    expectEqual(done.statusCode(), 303, "checkout answer");
  }

  static Verified waitFor(Predicate<Verified> predicate, String what) throws InterruptedException {
    for (int i = 0; i < 150; i++) {
      for (Verified v : verified) if (predicate.test(v)) return v;
      Thread.sleep(200);
    }
    throw new AssertionError("no verified postback: " + what + " (" + verified + ")");
  }

  static void expectEqual(Object actual, Object expected, String what) {
    if (!expected.equals(actual)) throw new AssertionError(what + ": expected " + expected + ", got " + actual);
  }

  static void check(String name, Check fn) {
    try {
      fn.run();
      System.out.println("check " + name + " ok");
    } catch (Throwable e) {
      System.out.println(("check " + name + " FAIL " + e).replace('\n', ' '));
    }
  }
}
