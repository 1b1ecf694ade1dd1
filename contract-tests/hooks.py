"""Schemathesis hooks for AimbrellaPay's contract tests (loaded by run.mjs via SCHEMATHESIS_HOOKS).

What they do, and why:
  - Authenticate for real: the shop test token and the admin token run.mjs provisioned, as
    `Authorization: Bearer …` wherever the operation's `security` names shopToken or adminToken.
  - Sign Bansky postbacks for real: X-Bansky-Signature = "sha256=" + hex HMAC-SHA256 of the exact
    bytes on the wire, keyed with BANSKY_POSTBACK_SECRET. It is a requests auth object, so it runs on
    the prepared request after schemathesis has serialized the body, and schemathesis counts it as
    explicit auth: `ignored_auth` then re-sends the case unsigned and with a bogus signature and
    expects 401.
  - APAY_POSTBACK_SIGNING=forged (the second run) replaces the signature with forgeries instead
    (missing, wrong key, signature of other bytes, wrong scheme, truncated) and a check demands 401.
  - Steer half of the schema-valid init-payment bodies onto the business rules the schema cannot
    express (known currency, right decimals, an allowed redirect host), so payments really get
    created and the stateful links (get payment, pay link, postback, admin read) reach real
    payments. The other half stays raw, and a check proves they are only ever refused with a
    business-rule code, never as "invalid request".
  - Steer half of the schema-valid reads of a payment (status, pay link, returns, admin view,
    redelivery) and a third of the Bansky postbacks onto payments this run really created, so
    the fuzzing phase gets past "404 unknown payment" into the state machine.
  - Keep the fuzzer from disabling, re-hosting or revoking the credentials of the shop whose
    token it uses for the whole run (those requests go to a decoy shop instead).
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import os
import threading
import unicodedata
from decimal import Decimal, InvalidOperation

import schemathesis
from requests.auth import AuthBase

SIGNING = os.environ.get("APAY_POSTBACK_SIGNING", "valid")
POSTBACK_SECRET = os.environ["BANSKY_POSTBACK_SECRET"].encode()
FUZZ_SHOP_ID = os.environ.get("APAY_FUZZ_SHOP_ID", "")
FUZZ_TOKEN_ID = os.environ.get("APAY_FUZZ_TOKEN_ID", "")
DECOY_SHOP_ID = os.environ.get("APAY_DECOY_SHOP_ID", "")
DECOY_TOKEN_ID = os.environ.get("APAY_DECOY_TOKEN_ID", "")

# Hosts the fuzz shop allows (run.mjs creates the shop with these).
# The local run's shops allow shop.example; against a deployment with only a shop's test token,
# run.mjs steers onto http://localhost, which test mode accepts from every shop.
STEERED_RETURN_BASE = os.environ.get("APAY_STEERED_RETURN_BASE", "https://shop.example/contract-fuzz")
# Empty against a deployment (run.mjs): steered bodies then carry no postbackUrl.
STEERED_POSTBACK_URL = os.environ.get("APAY_STEERED_POSTBACK_URL", "http://127.0.0.1:9/contract-fuzz/postback")
# Currencies with their decimals, as src/core/payments/rules.ts knows them.
STEERED_CURRENCIES = [("EUR", 2, "fiat"), ("JPY", 0, "fiat"), ("USD", 2, "fiat"), ("BTC", 8, "crypto"), ("USDC", 6, "crypto")]
BUSINESS_RULE_CODES = {
    "invalid_amount",
    "invalid_currency",
    "type_currency_mismatch",
    "redirect_host_not_allowed",
    "postback_url_not_allowed",
    "invalid_characters",
}


def _digest(data: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(data).encode()).digest()[:4], "big")


def sign(body: bytes, key: bytes = POSTBACK_SECRET) -> str:
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def _wire_body(request) -> bytes:
    body = request.body or b""
    return body.encode() if isinstance(body, str) else body


class BanskySignature(AuthBase):
    """Signs the exact serialized body, as Bansky does."""

    def __call__(self, request):
        request.headers["X-Bansky-Signature"] = sign(_wire_body(request))
        return request


class ForgedBanskySignature(AuthBase):
    """Every way a forger (or a broken Bansky) could get the signature wrong; chosen by the body."""

    VARIANTS = ("missing", "wrong_key", "other_body", "wrong_scheme", "truncated", "empty")

    def __call__(self, request):
        body = _wire_body(request)
        variant = self.VARIANTS[_digest(body) % len(self.VARIANTS)]
        request.headers.pop("X-Bansky-Signature", None)
        if variant == "wrong_key":
            request.headers["X-Bansky-Signature"] = sign(body, b"not-the-shared-secret")
        elif variant == "other_body":
            request.headers["X-Bansky-Signature"] = sign(body + b" ")
        elif variant == "wrong_scheme":
            request.headers["X-Bansky-Signature"] = "sha1=" + sign(body).removeprefix("sha256=")
        elif variant == "truncated":
            request.headers["X-Bansky-Signature"] = sign(body)[:-2]
        elif variant == "empty":
            request.headers["X-Bansky-Signature"] = ""
        return request


# Bearer tokens per security scheme (run.mjs provisions both for real).
BEARER_TOKENS = {"shopToken": os.environ.get("APAY_SHOP_TOKEN"), "adminToken": os.environ.get("APAY_ADMIN_TOKEN")}


def _operation_id(operation) -> str | None:
    return operation.definition.raw.get("operationId") if operation is not None else None


@schemathesis.auth(refresh_interval=None)  # no cache: the token depends on the operation
class BearerTokens:
    """`Authorization: Bearer …` with the token of the scheme the operation's `security` names."""

    def get(self, case, context):
        for requirement in context.operation.definition.raw.get("security") or []:
            for scheme in requirement:
                if BEARER_TOKENS.get(scheme):
                    return BEARER_TOKENS[scheme]
        return None

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


if SIGNING == "valid":
    schemathesis.auth.set_from_requests(BanskySignature()).apply_to(operation_id="receiveBanskyPostback")
elif SIGNING == "forged":
    schemathesis.auth.set_from_requests(ForgedBanskySignature()).apply_to(operation_id="receiveBanskyPostback")
else:
    raise RuntimeError(f"APAY_POSTBACK_SIGNING must be valid or forged, not {SIGNING!r}")


def _is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def _steer_amount(raw: object, decimals: int) -> object:
    """A valid amount for the currency, near what was generated. The contract takes a JSON number
    or a decimal string: a generated integer stays a JSON number, so both forms reach the rules."""
    try:
        value = abs(Decimal(str(raw)))
    except (InvalidOperation, ValueError):
        value = Decimal(1)
    if not value.is_finite() or value <= 0 or value >= Decimal(10) ** 12:
        value = Decimal("49.90") if decimals >= 2 else Decimal(1500)
    value = value.quantize(Decimal(1).scaleb(-decimals)) if decimals else value.to_integral_value()
    if value <= 0:
        value = Decimal("49.90") if decimals >= 2 else Decimal(1500)
    if isinstance(raw, int) and not isinstance(raw, bool) and value == value.to_integral_value():
        return int(value)
    return format(value, "f")


_TALLY_LOCK = threading.Lock()

# Payments the Worker really created in this run: id → (amount, currency), filled by after_call.
_PAYMENTS: dict[str, tuple[str, str]] = {}
_PAYMENT_IDS: list[str] = []
# Where a payment id goes in each operation that reads one: (container, name).
PAYMENT_ID_PARAMETERS = {
    "getPayment": ("path_parameters", "id"),
    "adminGetPayment": ("path_parameters", "paymentId"),
    "adminRedeliverPostback": ("path_parameters", "paymentId"),
    "openPayLink": ("query", "id"),
    "returnSuccess": ("query", "id"),
    "returnError": ("query", "id"),
}


def _steer_init_payment(case) -> None:
    """Half of the schema-valid init-payment bodies are made to satisfy the business rules too."""
    body = case.body
    if not isinstance(body, dict) or _digest(body) % 2:
        return
    currency, decimals, kind = STEERED_CURRENCIES[_digest(body) % len(STEERED_CURRENCIES)]
    body = dict(body)
    body["currency"] = currency
    body["amount"] = _steer_amount(body.get("amount"), decimals)
    if "type" in body:
        body["type"] = kind
    n = _digest(body) % 1000
    body["successUrl"] = f"{STEERED_RETURN_BASE}/thanks?n={n}"
    body["errorUrl"] = f"{STEERED_RETURN_BASE}/failed?n={n}"
    if "postbackUrl" in body and STEERED_POSTBACK_URL:
        # A local development Worker allows http://127.0.0.1 in test mode; port 9 (discard)
        # refuses at once, so retries cost nothing.
        body["postbackUrl"] = STEERED_POSTBACK_URL
    elif "postbackUrl" in body:
        # A deployment posts only to public https URLs, and the run has none to offer: no postback.
        del body["postbackUrl"]
    if isinstance(body.get("name"), str) and not _safe_name(body["name"]):
        body["name"] = "Contract Fuzz"
    if isinstance(body.get("metadata"), dict):
        # Metadata values follow the name's character rules (invalid_characters).
        body["metadata"] = {k: v if isinstance(v, str) and _safe_name(v) else "fuzz" for k, v in body["metadata"].items()}
    case.body = body


# What src/platform/input/text-policy.ts refuses in a name (invalid_characters), a little more broadly:
# controls, format characters, surrogates, separators, unassigned code points, Hangul fillers.
_UNSAFE_NAME_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"}
_UNSAFE_NAME_CHARS = {"\u115f", "\u1160", "\u3164", "\uffa0"}


def _safe_name(name: str) -> bool:
    return not any(unicodedata.category(ch) in _UNSAFE_NAME_CATEGORIES or ch in _UNSAFE_NAME_CHARS for ch in name)


def _steer_payment_id(case, operation_id: str) -> None:
    """Half of the schema-valid reads of a payment use a payment that exists: a drawn id almost
    never does, and then the fuzzer would only ever see 404 pages."""
    container_name, name = PAYMENT_ID_PARAMETERS[operation_id]
    container = getattr(case, container_name)
    with _TALLY_LOCK:
        known = list(_PAYMENT_IDS)
    if not known or not isinstance(container, dict) or name not in container or _digest(container) % 2:
        return
    setattr(case, container_name, {**container, name: known[_digest(container) % len(known)]})


def _steer_postback(case) -> None:
    """A third of the schema-valid Bansky postbacks name a real payment, half of those with its
    own amount and currency, so the receiver's state machine (not only its 404) gets fuzzed."""
    body = case.body
    with _TALLY_LOCK:
        known = list(_PAYMENT_IDS)
    if not known or not isinstance(body, dict) or _digest(body) % 3:
        return
    payment_id = known[_digest(body) % len(known)]
    body = {**body, "id": payment_id}
    if _digest(body) % 2 == 0:
        amount, currency = _PAYMENTS[payment_id]
        body.update(amount=amount, currency=currency)
    case.body = body


@schemathesis.hook
def map_case(context, case):
    """Steer part of the schema-valid data onto what exists and what the business rules allow."""
    operation_id = _operation_id(context.operation)
    if operation_id in {"adminUpdateShop", "adminRevokeToken"}:
        _spare_fuzz_credentials(case)
    if not _is_positive(case):
        return case
    if operation_id == "initPayment":
        _steer_init_payment(case)
    elif operation_id in PAYMENT_ID_PARAMETERS:
        _steer_payment_id(case, operation_id)
    elif operation_id == "receiveBanskyPostback":
        _steer_postback(case)
    return case


def _spare_fuzz_credentials(case) -> None:
    """Never let the fuzzer disable, re-host or revoke the shop whose token every shop call uses
    (one `PATCH {disabled: true}` would turn the rest of the run into 403s and hide real bugs):
    such requests go to a decoy shop and token run.mjs made alike. Rewriting instead of dropping
    keeps the operation's budget, since the fuzzer keeps drawing the ids it saw in responses."""
    params = case.path_parameters
    if not isinstance(params, dict):
        return
    if params.get("shopId") == FUZZ_SHOP_ID:
        params = {**params, "shopId": DECOY_SHOP_ID}
    if params.get("tokenId") == FUZZ_TOKEN_ID:
        params = {**params, "tokenId": DECOY_TOKEN_ID}
    case.path_parameters = params


@schemathesis.check
def schema_valid_rejected_only_by_business_rules(ctx, response, case):
    """init-payment: a schema-valid body may be refused only by a documented business rule
    (400 with one of the codes in the operation's description) or idempotency (409). A body the
    hooks steered onto those rules must be accepted outright."""
    if _operation_id(case.operation) != "initPayment" or not _is_positive(case):
        return None
    steered = isinstance(case.body, dict) and str(case.body.get("successUrl", "")).startswith(STEERED_RETURN_BASE)
    if response.status_code == 400:
        try:
            code = json.loads(response.content or b"{}").get("code")
        except ValueError:
            code = None
        if steered:
            raise AssertionError(f"A body that satisfies the schema and every business rule was refused: {code}")
        if code not in BUSINESS_RULE_CODES:
            raise AssertionError(f"A schema-valid body was refused with code {code!r}, not a business-rule code")
    return None


@schemathesis.check
def valid_credentials_accepted(ctx, response, case):
    """The credentials hooks.py attaches are valid for the whole run, so a 401/403 to a request
    that carries them is a bug (a token that stopped working, a signature computed differently
    from ours) — not the "auth rejected" answer the built-in checks would accept."""
    if SIGNING == "forged" or not case._has_explicit_auth:
        return None
    if response.status_code in (401, 403):
        raise AssertionError(f"A request with valid credentials was refused with {response.status_code}")
    return None


@schemathesis.check
def forged_postback_rejected(ctx, response, case):
    """Second run only: a Bansky postback without a valid signature never gets past the check."""
    if SIGNING != "forged" or _operation_id(case.operation) != "receiveBanskyPostback":
        return None
    if 200 <= response.status_code < 300:
        raise AssertionError(f"An unsigned or forged postback was accepted ({response.status_code})")
    if _is_positive(case) and response.status_code != 401:
        raise AssertionError(f"A schema-valid postback with a forged signature got {response.status_code}, expected 401")
    return None



# ── Tally: cases sent and statuses seen per operation, written for run.mjs to check the budget ──
_TALLY: dict[str, dict[str, int]] = {}


@schemathesis.hook
def after_call(context, case, response):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if _operation_id(case.operation) == "initPayment" and response.status_code in (200, 201) and isinstance(case.body, dict):
        try:
            payment_id = json.loads(response.content)["id"]
        except (ValueError, KeyError, TypeError):
            payment_id = None
        if isinstance(payment_id, str) and payment_id not in _PAYMENTS:
            with _TALLY_LOCK:
                _PAYMENTS[payment_id] = (case.body.get("amount"), case.body.get("currency"))
                _PAYMENT_IDS.append(payment_id)
    with _TALLY_LOCK:
        statuses = _TALLY.setdefault(label, {})
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1


@atexit.register
def _write_tally() -> None:
    path = os.environ.get("APAY_TALLY_PATH")
    if path:
        with open(path, "w") as f:
            json.dump(_TALLY, f, indent=1, sort_keys=True)
    # Run 1 hands its payments to run 2, whose forged postbacks then target payments that exist.
    out = os.environ.get("APAY_PAYMENTS_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(_PAYMENTS, f)


def _load_payments() -> None:
    path = os.environ.get("APAY_PAYMENTS_IN")
    if path and os.path.exists(path):
        with open(path) as f:
            for payment_id, (amount, currency) in json.load(f).items():
                _PAYMENTS[payment_id] = (amount, currency)
                _PAYMENT_IDS.append(payment_id)


_load_payments()
