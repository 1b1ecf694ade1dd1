// Written by scripts/generate.mjs from openapi.yaml. Do not edit: run `npm run generate`.
// What the Worker needs of the contract at run time, without bundling all of it.

/** A request body schema, $refs resolved: its fields, its items, a map's values, its `x-error-message`. */
export interface BodySchema {
  errorMessage?: string;
  properties?: Record<string, BodySchema>;
  items?: BodySchema;
  values?: BodySchema;
}

/** `info.version`. */
export const CONTRACT_VERSION = "1.0.0";

/** Every path template we serve (not Bansky's), with its methods in the contract's order. */
export const SERVED_PATHS: ReadonlyArray<{ path: string; methods: readonly string[] }> = [
  {
    "path": "/api/v1/init-payment",
    "methods": [
      "POST"
    ]
  },
  {
    "path": "/api/v1/payments/{id}",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/api/v1/payments",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/api/v1/payments/{id}/postback",
    "methods": [
      "POST"
    ]
  },
  {
    "path": "/api/v1/events",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/api/v1/events/{id}",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/api/v1/listen",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/integration/pay",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/integration/success",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/integration/error",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/api/payment-verify",
    "methods": [
      "POST"
    ]
  },
  {
    "path": "/healthz",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/openapi.json",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/openapi.yaml",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/admin/v1/shops",
    "methods": [
      "GET",
      "POST"
    ]
  },
  {
    "path": "/admin/v1/shops/{shopId}",
    "methods": [
      "GET",
      "PATCH"
    ]
  },
  {
    "path": "/admin/v1/shops/{shopId}/tokens",
    "methods": [
      "GET",
      "POST"
    ]
  },
  {
    "path": "/admin/v1/shops/{shopId}/tokens/{tokenId}",
    "methods": [
      "DELETE"
    ]
  },
  {
    "path": "/admin/v1/shops/{shopId}/webhook-secret",
    "methods": [
      "POST"
    ]
  },
  {
    "path": "/admin/v1/payments/{paymentId}",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/admin/v1/payments/{paymentId}/redeliver",
    "methods": [
      "POST"
    ]
  },
  {
    "path": "/admin/v1/openapi.json",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/admin/v1/postbacks/dead-letters",
    "methods": [
      "GET"
    ]
  },
  {
    "path": "/admin/v1/shops/{shopId}/members",
    "methods": [
      "GET",
      "POST"
    ]
  },
  {
    "path": "/admin/v1/shops/{shopId}/members/{memberId}",
    "methods": [
      "DELETE"
    ]
  }
];

/** The JSON request body schema of each operation, keyed `<method> <path template>` (method in lower case). */
export const REQUEST_BODIES: Readonly<Record<string, BodySchema>> = {
  "post /api/v1/init-payment": {
    "properties": {
      "id": {},
      "email": {},
      "name": {},
      "amount": {
        "errorMessage": "must be a JSON number (100, 19.9) or a decimal string (\"19.90\")"
      },
      "currency": {},
      "type": {},
      "successUrl": {},
      "errorUrl": {},
      "postbackUrl": {},
      "metadata": {
        "values": {
          "errorMessage": "must be a string of at most 500 characters"
        }
      }
    }
  },
  "post /api/payment-verify": {
    "properties": {
      "id": {},
      "transactionId": {},
      "status": {},
      "amount": {},
      "currency": {},
      "occurredAt": {}
    }
  },
  "post /v1/payments": {
    "properties": {
      "id": {},
      "email": {},
      "name": {},
      "amount": {},
      "currency": {},
      "type": {},
      "successUrl": {},
      "errorUrl": {},
      "postbackUrl": {}
    }
  },
  "post /admin/v1/shops": {
    "properties": {
      "name": {},
      "allowedRedirectHosts": {
        "items": {}
      }
    }
  },
  "patch /admin/v1/shops/{shopId}": {
    "properties": {
      "name": {},
      "allowedRedirectHosts": {
        "items": {}
      },
      "disabled": {},
      "liveEnabled": {}
    }
  },
  "post /admin/v1/shops/{shopId}/tokens": {
    "properties": {
      "mode": {},
      "label": {}
    }
  },
  "post /admin/v1/shops/{shopId}/webhook-secret": {
    "properties": {
      "overlapSeconds": {}
    }
  },
  "post /admin/v1/shops/{shopId}/members": {
    "properties": {
      "email": {},
      "role": {}
    }
  }
};
