"""The shop program for the client openapi-python-client generated.

Starts payments with float and str amounts, pays at the Bansky sandbox, verifies the postbacks
with the standardwebhooks package, reads, lists, resends, and meets a 400 and a 429 as the
generated Problem model. Prints one `check <name> ok|FAIL <why>` line per check.
"""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from aimbrella_pay_api_client import AuthenticatedClient
from aimbrella_pay_api_client.api.payments import get_payment, init_payment, list_payments, resend_postback
from aimbrella_pay_api_client.models import (
    ErrorCode,
    InitPaymentRequest,
    Payment,
    PaymentList,
    PaymentStarted,
    PaymentStatus,
    Problem,
    RedeliveryAccepted,
)
from standardwebhooks.webhooks import Webhook

URL = os.environ["AIMBRELLAPAY_URL"]
RATE_LIMIT = int(os.environ["MATRIX_RATE_LIMIT"])
client = AuthenticatedClient(base_url=URL, token=os.environ["AIMBRELLAPAY_TOKEN"])
webhook = Webhook(os.environ["AIMBRELLAPAY_WEBHOOK_SECRET"])
verified: list[dict] = []


class Shop(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            payload = webhook.verify(body, dict(self.headers.items()))
        except Exception:
            self.send_response(400)
            self.end_headers()
            return
        verified.append({**payload["data"], "webhook_id": self.headers["webhook-id"], "type": payload["type"]})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
threading.Thread(target=server.serve_forever, daemon=True).start()
SHOP = f"http://127.0.0.1:{server.server_address[1]}"


def check(name, fn):
    try:
        value = fn()
        print(f"check {name} ok", flush=True)
        return value
    except Exception as err:  # noqa: BLE001 - every failure is reported, none stops the rest
        print(f"check {name} FAIL {type(err).__name__}: {err}".replace("\n", " "), flush=True)
        return None


def expect_equal(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def wait_for(predicate, what):
    for _ in range(150):
        found = [p for p in verified if predicate(p)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no verified postback: {what} (verified: {verified})")


def init_and_read_back(tx_id, amount, currency, stored):
    answer = init_payment.sync(
        client=client,
        body=InitPaymentRequest(
            id=tx_id,
            email="jane.doe@example.com",
            amount=amount,
            currency=currency,
            success_url=f"{SHOP}/thanks",
            error_url=f"{SHOP}/failed",
            postback_url=f"{SHOP}/hooks/aimbrellapay",
        ),
    )
    if not isinstance(answer, PaymentStarted):
        raise AssertionError(f"init answered {answer!r}")
    read = get_payment.sync(client=client, id=answer.id)
    expect_equal(read.amount if isinstance(read, Payment) else read, stored, "stored amount")
    return answer


eur = check("number 1234567.89 EUR stored exactly", lambda: init_and_read_back("order-eur", 1234567.89, "EUR", "1234567.89"))
check("number 19.99 USD stored exactly", lambda: init_and_read_back("order-usd", 19.99, "USD", "19.99"))
check("number 100 JPY stored exactly", lambda: init_and_read_back("order-jpy", 100, "JPY", "100"))
check(
    "string 0.000000000000000001 ETH stored exactly",
    lambda: init_and_read_back("order-eth", "0.000000000000000001", "ETH", "0.000000000000000001"),
)
eur_id = eur.id if eur else "pay_missing"


def pay():
    page = httpx.get(eur.url, follow_redirects=True)
    expect_equal(page.status_code, 200, "pay link → checkout page")
    done = httpx.post(str(page.url), data={"action": "pay"})
    expect_equal(done.status_code, 303, "checkout answer")
    p = wait_for(lambda p: p["id"] == eur_id and p["type"] == "payment.paid", "payment.paid")
    expect_equal(p["amount"], "1234567.89", "postback amount")


check("paid at the sandbox, postback verified", pay)


def get_paid():
    payment = get_payment.sync(client=client, id=eur_id)
    if not isinstance(payment, Payment):
        raise AssertionError(f"get answered {payment!r}")
    expect_equal(payment.status, PaymentStatus.PAID, "status")
    expect_equal(payment.amount, "1234567.89", "amount")


check("get → paid", get_paid)


def list_filtered():
    paid = list_payments.sync(client=client, status=PaymentStatus.PAID, currency="EUR")
    if not isinstance(paid, PaymentList):
        raise AssertionError(f"list answered {paid!r}")
    expect_equal([p.id for p in paid.items], [eur_id], "paid EUR payments")
    usd = list_payments.sync(client=client, status=PaymentStatus.AWAITING_PAYMENT, currency="USD")
    if not isinstance(usd, PaymentList):
        raise AssertionError(f"list answered {usd!r}")
    amounts = [(p.amount, p.currency, p.status) for p in usd.items]
    if ("19.99", "USD", PaymentStatus.AWAITING_PAYMENT) not in amounts or any(a[1:] != ("USD", PaymentStatus.AWAITING_PAYMENT) for a in amounts):
        raise AssertionError(f"awaiting USD payments: {amounts}")


check("list with filters", list_filtered)


def resend():
    accepted = resend_postback.sync(client=client, id=eur_id)
    if not isinstance(accepted, RedeliveryAccepted):
        raise AssertionError(f"resend answered {accepted!r}")
    wait_for(lambda p: p["id"] == eur_id and len([q for q in verified if q["id"] == eur_id]) >= 2, "the resent postback")


check("resend → postback verified again", resend)


def problem_400():
    answer = init_payment.sync_detailed(
        client=client,
        body=InitPaymentRequest(email="jane.doe@example.com", amount="10.001", currency="USD", success_url=f"{SHOP}/thanks", error_url=f"{SHOP}/failed"),
    )
    expect_equal(answer.status_code, 400, "status")
    if not isinstance(answer.parsed, Problem):
        raise AssertionError(f"parsed as {answer.parsed!r}")
    expect_equal(answer.parsed.code, ErrorCode.INVALID_AMOUNT, "code")


check("400 as a typed problem", problem_400)


def problem_429():
    for _ in range(RATE_LIMIT * 2):
        answer = get_payment.sync_detailed(client=client, id=eur_id)
        if answer.status_code == 429:
            if not isinstance(answer.parsed, Problem):
                raise AssertionError(f"parsed as {answer.parsed!r}")
            expect_equal(answer.parsed.code, ErrorCode.RATE_LIMITED, "code")
            return
    raise AssertionError(f"no 429 after {RATE_LIMIT * 2} requests")


check("429 as a typed problem", problem_429)
server.shutdown()
