/**
 * The hostile-input corpus: what an attacker or a careless integrator sends to
 * init-payment and to the browser links. Plain data; hostile-input.security.test.ts runs it
 * through the real Worker. `private: true` marks a postback target inside private, internal or
 * special-purpose space, labelled by hand here (not by the code under test).
 */
export type Mode = 'test' | 'live';

export interface FieldCase {
  what: string;
  mode: Mode;
  /** Overrides of a valid init-payment body. */
  fields: Record<string, unknown>;
  private?: boolean;
  /** true: must be refused (4xx); false: must be accepted (201); undefined: either, judged by the oracles. */
  refused?: boolean;
  /** Sent to a deployment (no LOCAL_DEVELOPMENT), not to the tests' local development bindings. */
  deployed?: boolean;
}

export interface RawCase {
  what: string;
  body: string | Uint8Array | (() => BodyInit);
  headers?: Record<string, string>;
  method?: string;
  refused?: boolean;
}

const hook = (host: string, rest = '/hook') => `https://${host}${rest}`;

// ── Postback targets inside private/internal space: live mode must refuse every one ──────────
const PRIVATE_V4 = [
  '127.0.0.1',
  '127.0.0.1.',
  '127.255.255.254',
  '127.1',
  '127.0.1',
  '2130706433',
  '0x7f000001',
  '0x7f.0.0.1',
  '0x7f.1',
  '0177.0.0.1',
  '017700000001',
  '0177.0.0.01',
  '%31%32%37.0.0.1',
  '\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11',
  '127\u30020\u30020\u30021',
  '0',
  '0.0.0.0',
  '0.1.2.3',
  '10.0.0.1',
  '10.255.255.255',
  '012.0.0.1',
  '0x0a.0x00.0x00.0x01',
  '167772161',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.0.1',
  '192.168.1.254',
  '3232235521',
  '169.254.169.254',
  '169.254.170.2',
  '2852039166',
  '0xa9fea9fe',
  '0251.0376.0251.0376',
  '100.64.0.1',
  '100.127.255.254',
  '192.0.0.1',
  '192.0.0.170',
  '192.0.2.1',
  '198.51.100.1',
  '203.0.113.1',
  '198.18.0.1',
  '198.19.255.255',
  '192.88.99.1',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '4294967295',
];

const PRIVATE_V6 = [
  '[::1]',
  '[::]',
  '[0:0:0:0:0:0:0:1]',
  '[0000::0001]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[::ffff:169.254.169.254]',
  '[::ffff:10.0.0.1]',
  '[::ffff:192.168.0.1]',
  '[::ffff:ffff:ffff]',
  '[0:0:0:0:0:ffff:127.0.0.1]',
  '[::ffff:0:127.0.0.1]',
  '[::127.0.0.1]',
  '[::10.0.0.1]',
  '[::a9fe:a9fe]',
  '[64:ff9b::127.0.0.1]',
  '[64:ff9b::a9fe:a9fe]',
  '[64:ff9b::10.0.0.1]',
  '[64:ff9b:1::a00:1]',
  '[2002:7f00:1::]',
  '[2002:7f00:0001::1]',
  '[2002:a9fe:a9fe::1]',
  '[2002:0a00:0001::]',
  '[2002:c0a8:0101::]',
  '[2001:0:4136:e378:8000:63bf:80ff:fffe]',
  '[2001:0:0:0:0:0:5601:5601]',
  '[2001:0000:4136:e378:8000:63bf:f5ff:fffe]',
  '[fe80::1]',
  '[fe80::a9fe:a9fe]',
  '[febf::1]',
  '[fc00::1]',
  '[fd00::1]',
  '[fd12:3456:789a::1]',
  '[fec0::1]',
  '[ff02::1]',
  '[ff05::2]',
  '[ff0e::1]',
  '[2001:db8::1]',
  '[2001:0db8:85a3::8a2e:370:7334]',
  '[3fff::1]',
  '[100::1]',
  '[2001:2::1]',
  '[2001:10::1]',
  '[2001:20::1]',
  '[5f00::1]',
  '[::ffff:0:0]',
  '[4000::1]',
  '[e000::1]',
];

const WILDCARD_DNS = [
  '127.0.0.1.nip.io',
  '169.254.169.254.nip.io',
  '10.0.0.1.nip.io',
  'app-127-0-0-1.nip.io',
  'app.10.0.0.1.nip.io',
  '7f000001.nip.io',
  '127.0.0.1.NIP.IO',
  '127.0.0.1.nip.io.',
  'nip.io',
  '127-0-0-1.sslip.io',
  '169-254-169-254.sslip.io',
  '--1.sslip.io',
  'fe80--1.sslip.io',
  '192.168.0.1.sslip.io',
  '127.0.0.1.xip.io',
  '10.0.0.1.xip.name',
  'localtest.me',
  'sub.localtest.me',
  'lvh.me',
  'deep.a.lvh.me',
  'vcap.me',
  'api.vcap.me',
  'lacolhost.com',
  'www.lacolhost.com',
  'traefik.me',
  '127.0.0.1.traefik.me',
  'x.localhost.run',
  'local.gd',
  'a.local.gd',
  'localho.st',
  'fuf.me',
  'make-127-0-0-1-rr.1u.ms',
  '7f000001.c0a80001.rbndr.us',
  // Clones not on any list: the address written in the name is private.
  '10.0.0.1.wildcard-clone.example.net',
  '192-168-0-1.other-dns.example.com',
  '169.254.169.254.metadata.example.org',
  'a9fea9fe.rebind.example.net',
  'x-127-0-0-1.example.io',
];

const INTERNAL_NAMES = [
  'localhost',
  'LOCALHOST',
  'localhost.',
  'localhost%2e',
  '\uFF4C\uFF4F\uFF43\uFF41\uFF4C\uFF48\uFF4F\uFF53\uFF54',
  'a.localhost',
  'foo.bar.localhost',
  'intranet',
  'printer',
  'metadata',
  'instance-data',
  'wpad',
  'printer.local',
  'db.internal',
  'metadata.google.internal',
  'host.docker.internal',
  'ip-10-0-0-1.ec2.internal',
  'db.lan',
  'nas.home',
  'app.corp',
  'router.home.arpa',
  'box.localdomain',
  'wiki.intranet',
  'x.private',
  'kubernetes.default.svc',
  'vault.service.consul',
  'shop.test',
  'x.invalid',
  'hidden.onion',
  'x.alt',
  '1.0.0.127.in-addr.arpa',
  'a..b.shop.example',
];

const BAD_PORTS = [
  '22',
  '25',
  '80',
  '111',
  '2375',
  '2379',
  '3306',
  '5432',
  '6379',
  '8080',
  '9200',
  '11211',
  '27017',
  '1',
  '65535',
  '2083',
  '0',
];

const BAD_SCHEMES_AND_FORMS = [
  'http://hooks.shop.example/hook',
  'ftp://hooks.shop.example/hook',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'dict://127.0.0.1:11211/stats',
  'ws://hooks.shop.example/',
  'javascript:alert(1)',
  'data:text/plain,hi',
  '//hooks.shop.example/hook',
  'https://user:pw@hooks.shop.example/hook',
  'https://127.0.0.1@hooks.shop.example/hook',
  'https://hooks.shop.example@127.0.0.1/hook',
  'https://hooks.shop.example:443@169.254.169.254/',
  'https://127.0.0.1\t/hook',
  'https://loc\nalhost/hook',
  ' https://127.0.0.1/hook',
  'https://127.0.0.1/\u0000',
  'https://[fe80::1%25eth0]/hook',
  'https://[::1]:443/hook',
  'https://169.254.169.254:8443/latest',
  'https://10.0.0.1:8443/hook',
];

export const LIVE_POSTBACK_PRIVATE: FieldCase[] = [
  ...PRIVATE_V4.map((h) => ({ what: `IPv4 ${h}`, h })),
  ...PRIVATE_V6.map((h) => ({ what: `IPv6 ${h}`, h })),
  ...WILDCARD_DNS.map((h) => ({ what: `wildcard DNS ${h}`, h })),
  ...INTERNAL_NAMES.map((h) => ({ what: `internal name ${h}`, h })),
]
  .map(({ what, h }) => ({ what, mode: 'live' as const, fields: { postbackUrl: hook(h), id: 'ssrf' }, private: true, refused: true }))
  .concat(
    BAD_PORTS.map((port) => ({
      what: `port ${port}`,
      mode: 'live',
      fields: { postbackUrl: hook(`hooks.shop.example:${port}`), id: 'ssrf' },
      private: true,
      refused: true,
    })),
  )
  .concat(
    BAD_SCHEMES_AND_FORMS.map((url) => ({
      what: `form ${JSON.stringify(url)}`,
      mode: 'live',
      fields: { postbackUrl: url, id: 'ssrf' },
      private: true,
      refused: true,
    })),
  );

/** On a deployment, test mode posts only to public https too (local development alone reaches private targets). */
export const TEST_POSTBACK_PRIVATE: FieldCase[] = [
  'https://10.0.0.1/hook',
  'https://[::1]/hook',
  'https://169.254.169.254.nip.io/',
  'http://192.168.0.10/hook',
  'https://localtest.me/',
  'https://[2002:7f00:1::]/',
  'https://db.internal/',
  'https://hooks.shop.example:6379/',
  'http://hooks.shop.example/',
  'http://[::1]:3000/',
].map((url) => ({
  what: `test-mode ${url}`,
  mode: 'test',
  fields: { postbackUrl: url, id: 'ssrf-test' },
  private: true,
  refused: true,
  deployed: true,
}));

/** Must stay accepted: public targets, and the local development hosts of test mode. */
export const POSTBACK_ACCEPTED: FieldCase[] = [
  ['live', 'https://hooks.shop.example/apay'],
  ['live', 'https://hooks.shop.example:443/apay'],
  ['live', 'https://hooks.shop.example:8443/apay'],
  ['live', 'https://93.184.216.34/hook'],
  ['live', 'https://1.1.1.1/hook'],
  ['live', 'https://[2606:4700:4700::1111]/hook'],
  ['live', 'https://HOOKS.Shop.Example/apay?x=1#frag'],
  ['live', 'https://b\u00FCcher.example/hook'],
  ['live', 'https://hooks.shop.example/caf\u00E9'],
  ['live', 'https://172.32.0.1/hook'],
  ['live', 'https://100.128.0.1/hook'],
  ['live', 'https://hooks.shop.example\\@127.0.0.1/'],
  ['test', 'http://localhost:3000/hook'],
  ['test', 'http://127.0.0.1:9/hook'],
  ['test', 'https://localhost/hook'],
  ['test', 'https://hooks.shop.example/t'],
].map(([mode, url]) => ({
  what: `accepted ${mode} ${url}`,
  mode: mode as Mode,
  fields: { postbackUrl: url, id: `ok-${mode}` },
  refused: false,
}));

// ── Redirect URLs: nothing may send the customer off the shop's allowed hosts ────────────────
// The shops allow `shop.example` and `*.pay.shop.example`.
export const ALLOWED_REDIRECT_HOSTS = ['shop.example', '*.pay.shop.example'];

const REDIRECTS_REFUSED = [
  'https://evil.example/phish',
  'https://shop.example.evil.example/',
  'https://evilshop.example/',
  'https://pay.shop.example/',
  'https://evilpay.shop.example/',
  'https://a.pay.shop.example.evil.example/',
  'https://user:pw@shop.example/',
  'https://shop.example@evil.example/',
  'https://shop.example:443@evil.example/',
  'https://shop.example%40evil.example/',
  'https://evil.example\\@shop.example/',
  'https:/\\evil.example/',
  'https:\\\\evil.example/',
  '//evil.example/',
  '/\\evil.example/',
  'javascript:alert(document.domain)',
  'data:text/html,<script>alert(1)</script>',
  'https://shop.example%00.evil.example/',
  'https://shop.example\u3002evil.example/',
  'https://evil.example#shop.example',
  'https://evil.example?shop.example',
  'https://xn--shop-evil.example/',
  'https://shop.exampl\u0435/',
  'https://shop.example\u200B/',
  'https://shop.ex\u00ADample/',
  'https://shop.example:99999/',
  'http://shop.example/',
  'https://shop.example/\u202E/gnp.exe',
  'https://shop.example/\r\nSet-Cookie: a=b',
  'https://shop.example/\u0000',
  'https://shop.example/\u2028',
  'https://shop.example/\uD800',
  'https://shop.example/\uFEFF',
  'https://[::1]/',
  'https://127.0.0.1.nip.io/',
  'https:evil.example',
  'HTTPS://EVIL.EXAMPLE/',
  'https://shop.example%2f@evil.example/',
  'https://%65vil.example/',
  'wss://shop.example/',
];

const REDIRECTS_SAFE_EITHER = [
  'https://shop.example\\\\evil.example',
  'https://shop.example/@evil.example',
  'https://shop.example#@evil.example',
  'https://shop.example?@evil.example',
  'https://\uFF53\uFF48\uFF4F\uFF50.example/thanks',
  'https://SHOP.EXAMPLE/Thanks',
  'https://shop.example./thanks',
  'https://shop.example/%0d%0aSet-Cookie:%20a=b',
  'https://shop.example/caf\u00E9?q=\u00FC \u00F6#\u00E9',
  `https://shop.example/${'a'.repeat(1900)}`,
  'https://a.pay.shop.example/ok',
  'https://b.a.pay.shop.example/ok',
  'https://shop.example:443/x',
  'https://shop.example/<script>alert(1)</script>',
  'https://shop.example/"onmouseover="x',
  'https://shop.example/%E2%80%AE',
  'https://shop.example/\u{1F600}',
  'https://shop.example/\u05E9\u05DC\u05D5\u05DD',
  'https://shop.example/a\tb',
  'https://shop.example/ ',
];

export const REDIRECT_CASES: FieldCase[] = [
  ...REDIRECTS_REFUSED.flatMap((url) => [
    { what: `successUrl ${JSON.stringify(url)}`, mode: 'test' as const, fields: { successUrl: url }, refused: true },
    { what: `errorUrl (live) ${JSON.stringify(url)}`, mode: 'live' as const, fields: { errorUrl: url }, refused: true },
  ]),
  ...REDIRECTS_SAFE_EITHER.map((url) => ({
    what: `successUrl+errorUrl ${JSON.stringify(url)}`,
    mode: 'test' as const,
    fields: { successUrl: url, errorUrl: url },
  })),
  { what: 'test mode http://localhost:3000', mode: 'test', fields: { successUrl: 'http://localhost:3000/ok' }, refused: false },
  { what: 'test mode http://0x7f.1:3000 (= 127.0.0.1)', mode: 'test', fields: { successUrl: 'http://0x7f.1:3000/ok' } },
  { what: 'live mode http://localhost', mode: 'live', fields: { successUrl: 'http://localhost:3000/ok' }, refused: true },
  { what: 'live mode https://127.0.0.1', mode: 'live', fields: { successUrl: 'https://127.0.0.1/ok' }, refused: true },
];

// ── Text: control, bidi, invisible characters and lone surrogates in name and URLs ──────────
const C0 = Array.from({ length: 32 }, (_, i) => i);
const OTHER_BAD = [
  0x7f, 0x80, 0x85, 0x9b, 0x9f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029, 0x200b, 0x2060,
  0x2061, 0xfeff, 0xfff9, 0xfffb, 0x3164, 0x115f, 0xfffe, 0xffff, 0xfdd0, 0xe0041, 0x1fffe,
];
const hexOf = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
const SURROGATES = [
  ['lone high surrogate', '\uD800'],
  ['lone low surrogate', '\uDFFF'],
  ['reversed pair', '\uDE00\uD83D'],
  ['high at end', 'x\uDBFF'],
];

export const NAME_CASES: FieldCase[] = [
  ...[...C0, ...OTHER_BAD].map((cp) => ({
    what: `name with ${hexOf(cp)}`,
    mode: 'test' as const,
    fields: { name: `Jane${String.fromCodePoint(cp)}Doe` },
    refused: true,
  })),
  ...SURROGATES.map(([what, s]) => ({ what: `name with ${what}`, mode: 'test' as const, fields: { name: `Jane ${s}` }, refused: true })),
  ...[
    'Zo\u00EB \u00C5ngstr\u00F6m',
    '\u0645\u062D\u0645\u062F \u0639\u0644\u06CC',
    '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645',
    '\u5F20\u4F1F',
    '\u0141ukasz \u{1F469}\u200D\u{1F469}\u200D\u{1F467}',
    'Jos\u0065\u0301',
    '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Scot',
    '<script>alert(1)</script>',
    "Robert'); DROP TABLE payments;--",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as written
    '{{7*7}} ${7*7}',
    'x'.repeat(200),
    '\u05E9\u05DC\u05D5\u05DD \u200F(he)',
    'Z\u0351\u0352\u0353a\u0354\u0355\u0356l\u0357\u0358\u0359g\u035A\u035Bo',
    '\uFFFD replacement',
    ' ',
    '\u00A0nbsp',
  ].map((name) => ({ what: `name ${JSON.stringify(name).slice(0, 40)}`, mode: 'test' as const, fields: { name }, refused: false })),
  { what: 'name of 201 characters', mode: 'test', fields: { name: 'x'.repeat(201) }, refused: true },
  { what: 'empty name', mode: 'test', fields: { name: '' }, refused: true },
  { what: 'name as a number', mode: 'test', fields: { name: 42 }, refused: true },
  { what: 'name as an object', mode: 'test', fields: { name: { toString: 'x' } }, refused: true },
];

export const URL_TEXT_CASES: FieldCase[] = [
  ...[...C0, 0x7f, 0x85, 0x9f].map((cp) => ({
    what: `successUrl path with ${hexOf(cp)}`,
    mode: 'test' as const,
    fields: { successUrl: `https://shop.example/ok${String.fromCodePoint(cp)}x` },
    refused: true,
  })),
  ...[0x202e, 0x2066, 0x200b, 0x200d, 0xfeff, 0x00ad, 0xfe0f, 0x2028, 0xe0041].map((cp) => ({
    what: `postbackUrl host with ${hexOf(cp)}`,
    mode: 'live' as const,
    fields: { postbackUrl: `https://hooks.shop${String.fromCodePoint(cp)}.example/hook`, id: 'txt' },
    refused: true,
  })),
];

// ── Amounts ─────────────────────────────────────────────────────────────────────────────────
export const AMOUNT_CASES: FieldCase[] = [
  ...[
    '0x10',
    '-1',
    '0',
    '0.00',
    '1,00',
    '\u0661\u0662\u0663',
    '\uFF11\uFF12\uFF13',
    'NaN',
    'Infinity',
    '1000000000000',
    '999999999999999',
    '9999999999999999',
    `1${'0'.repeat(400)}`,
    `1.${'0'.repeat(19)}`,
    '49.901',
    '1000000000000.00',
  ].map((amount) => ({
    what: `amount ${JSON.stringify(amount).slice(0, 30)} EUR`,
    mode: 'test' as const,
    fields: { amount },
    refused: true,
  })),
  // Spellings a lenient parser might take: refused or accepted, never a 5xx.
  ...['1e3', ' 1', '1 ', '+1', '00.1', '1.', '.5', '1.5', '0049.90'].map((amount) => ({
    what: `amount ${JSON.stringify(amount)} EUR`,
    mode: 'test' as const,
    fields: { amount },
  })),
  ...[
    ['999999999999.99', 'EUR'],
    ['999999999999', 'JPY'],
    ['0.01', 'EUR'],
    ['0.000000000000000001', 'ETH'],
    ['999999999999.999999999999999999', 'ETH'],
    ['1', 'JPY'],
    ['49.90', 'EUR'],
  ].map(([amount, currency]) => ({
    what: `amount ${amount} ${currency}`,
    mode: 'test' as const,
    fields: { amount, currency },
    refused: false,
  })),
  // JSON numbers and other types: refused or (once amounts may be numbers) accepted, never a 5xx.
  // biome-ignore lint/correctness/noPrecisionLoss: imprecise numbers are the point of these cases
  ...[100, 19.9, 1e308, -0, 1e-400, 0.30000000000000004, 2 ** 53 + 1, 1e12, true, null, [], {}].map((amount) => ({
    what: `amount ${JSON.stringify(amount)} (JSON ${Array.isArray(amount) ? 'array' : typeof amount})`,
    mode: 'test' as const,
    fields: { amount },
  })),
];

// ── Raw bodies: weird JSON, encodings, content types, sizes ─────────────────────────────────
export const RAW_VALID = {
  email: 'jane@example.com',
  amount: '49.90',
  currency: 'EUR',
  successUrl: 'https://shop.example/ok',
  errorUrl: 'https://shop.example/err',
};
const json = JSON.stringify(RAW_VALID);
const utf16le = (text: string) => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[i * 2] = text.charCodeAt(i) & 255;
    out[i * 2 + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
};
const withBytes = (before: string, bytes: number[], after: string) =>
  new Uint8Array([...new TextEncoder().encode(before), ...bytes, ...new TextEncoder().encode(after)]);
const nameBytes = (bytes: number[]) => withBytes(`${json.slice(0, -1)},"name":"J`, bytes, 'ne"}');
const chunked = (total: number) => () => {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      sent += 64 * 1024;
    },
  });
};

export const RAW_CASES: RawCase[] = [
  { what: 'empty body', body: '', refused: true },
  { what: 'whitespace body', body: '   \n', refused: true },
  ...[
    'null',
    'true',
    '[]',
    '"str"',
    '123',
    '{',
    '{"email":',
    '{}',
    `[${json}]`,
    `${json}x`,
    json + json,
    "{'email':'x'}",
    '{"email":"a@b.co",}',
    `/* c */${json}`,
    json.replace(/"/g, '\u201C'),
  ].map((body) => ({ what: `JSON ${body.slice(0, 30)}`, body, refused: true })),
  { what: 'deep array nesting (20 000)', body: '['.repeat(20000) + ']'.repeat(20000), refused: true },
  { what: 'deep object nesting (6 000)', body: `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`, refused: true },
  { what: 'duplicate keys (amount twice)', body: `${json.slice(0, -1)},"amount":"1000000000000"}`, refused: true },
  { what: 'duplicate keys (last one valid)', body: `{"amount":"1e9",${json.slice(1)}` },
  { what: '__proto__ key', body: `${json.slice(0, -1)},"__proto__":{"admin":true}}` },
  { what: 'constructor key', body: `${json.slice(0, -1)},"constructor":{"prototype":{"x":1}}}`, refused: true },
  { what: 'unknown field', body: `${json.slice(0, -1)},"sucessUrl":"https://evil.example/"}`, refused: true },
  {
    what: '10 000 unknown keys',
    body: `${json.slice(0, -1)},${Array.from({ length: 5000 }, (_, i) => `"k${i}":1`).join(',')}}`,
    refused: true,
  },
  { what: 'BOM before JSON', body: `\uFEFF${json}` },
  { what: 'UTF-16LE body', body: utf16le(json), headers: { 'content-type': 'application/json; charset=utf-16le' } },
  { what: 'invalid UTF-8 byte in name', body: nameBytes([0xc3, 0x28]) },
  { what: 'overlong UTF-8 NUL in name', body: nameBytes([0xc0, 0x80]) },
  { what: 'UTF-8 encoded surrogate in name', body: nameBytes([0xed, 0xa0, 0x80]) },
  { what: 'escaped NUL in name', body: `${json.slice(0, -1)},"name":"J\\u0000ne"}`, refused: true },
  { what: 'escaped lone surrogate in name', body: `${json.slice(0, -1)},"name":"J\\ud800ne"}`, refused: true },
  { what: 'escaped RLO in successUrl', body: json.replace('https://shop.example/ok', 'https://shop.example/\\u202eok'), refused: true },
  {
    what: 'raw CR LF in successUrl',
    body: json.replace('https://shop.example/ok', 'https://shop.example/ok\\r\\nLocation: https://evil.example'),
    refused: true,
  },
  { what: 'text/plain', body: json, headers: { 'content-type': 'text/plain' }, refused: true },
  {
    what: 'form-urlencoded',
    body: 'email=jane%40example.com&amount=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    refused: true,
  },
  {
    what: 'multipart',
    body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    refused: true,
  },
  { what: 'no content-type', body: json, headers: { 'content-type': '' }, refused: true },
  { what: 'APPLICATION/JSON', body: json, headers: { 'content-type': 'APPLICATION/JSON' } },
  { what: 'application/merge-patch+json', body: json, headers: { 'content-type': 'application/merge-patch+json' } },
  { what: 'content-type with junk parameters', body: json, headers: { 'content-type': 'application/json; charset=ebcdic; x="\\""' } },
  { what: 'body of exactly 64 KiB', body: `${json.slice(0, -1)},"name":"${'x'.repeat(65536 - json.length - 10)}"}`, refused: true },
  { what: 'body of 64 KiB + 1', body: `${json.slice(0, -1)},"name":"${'x'.repeat(65536 - json.length - 9)}"}`, refused: true },
  { what: '1 MiB body', body: 'x'.repeat(1024 * 1024), refused: true },
  { what: '10 MiB chunked body', body: chunked(10 * 1024 * 1024), refused: true },
  { what: '100 KiB chunked body', body: chunked(100 * 1024), refused: true },
  { what: 'id of 65 000 characters', body: `${json.slice(0, -1)},"id":"${'a'.repeat(65000)}"}`, refused: true },
  { what: 'PUT', body: json, method: 'PUT', refused: true },
  { what: 'DELETE', body: '', method: 'DELETE', refused: true },
  { what: 'PATCH', body: json, method: 'PATCH', refused: true },
  { what: 'token of 10 000 characters', body: json, headers: { authorization: `Bearer ${'a'.repeat(10000)}` }, refused: true },
  { what: 'Token scheme with junk', body: json, headers: { authorization: 'Token \u00FF\u00FE' }, refused: true },
  { what: 'no authorization', body: json, headers: { authorization: '' }, refused: true },
];

// ── The customer's links with hostile query strings: HTML pages, never a redirect elsewhere ─
export const LINK_QUERIES: string[] = [
  '',
  'id=',
  'id=pay_',
  'id=pay_AAAAAAAAAAAAAAAAAAAAAA',
  'id=pay_%00AAAAAAAAAAAAAAAAAAAAA',
  'id[]=x',
  'id=a&id=b',
  `id=${'a'.repeat(8000)}`,
  'id=..%2F..%2Fadmin',
  'id=%F0%9F%98%80',
  'id=%ED%A0%80',
  'id=pay_AAAAAAAAAAAAAAAAAAAAAA%0d%0aLocation:%20https://evil.example',
  'id=https://evil.example',
  'next=https://evil.example',
  'id=%',
  'id=%zz',
];
