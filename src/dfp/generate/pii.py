"""Generate the labelled PII sample: payload fields, one sample value each, and the reviewer's label.

How it is generated (every name, address, number and domain is synthetic):

* Each row is drawn from a *recipe*: a true class, a hard-case kind, a pool of field names and a
  value maker. Recipes carry weights so that about half the fields hold no personal data, as in a
  real schema review, and each PII class has plain and hard variants.
* Hard cases are deliberate: obfuscated emails (``jane (at) acme dot com``), phone-like order ids and
  tracking numbers, version strings shaped like IPv4 addresses, names that are common words
  (``Rose``, ``Hunter``) and words in name fields (``campaign_name = Spring Sale``), free-text
  comments with and without embedded PII, non-English field names, opaque field names
  (``attr_7``), EU formats (+49 phone numbers, Steuer-ID, DNI, ``Hauptstraße 5``) and values the
  customer already masked.
* Payment card numbers pass the Luhn check (as real ones do); the tracking-number lookalikes do not.
  Phone numbers use fictional ranges (555-01xx in the US).
* Customers' tier and region are drawn per row; EU-format recipes come from eu-west-1 customers.
* The baseline cohort (``train`` 50 %, ``validation`` 25 %, ``test`` 25 %, shuffled with the seed) is
  what the model learns from; the ``drift`` cohort is a later wave of Dutch and Swedish customers
  whose field names and formats the model never saw, used to show drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from dfp.io.system import System

__all__ = ["N_BASELINE", "N_DRIFT", "generate", "luhn_complete"]

N_BASELINE = 4000
N_DRIFT = 600

R = np.random.Generator

_FIRST = ["Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Leon", "Sofia", "Mateo", "Hannah", "Jonas",
          "Chloé", "Louis", "Giulia", "Marco", "Aisha", "Omar", "Wei", "Yuki", "Priya", "Arjun", "Zoe", "Elias"]
_WORD_FIRST = ["Rose", "Summer", "Hunter", "Grant", "Will", "Joy", "Mark", "Page", "Bill", "Faith", "Hope",
               "April", "Dawn", "Sky", "Forrest", "Amber"]
_LAST = ["Smith", "Johnson", "Müller", "Schmidt", "Dubois", "Martin", "Rossi", "García", "Kowalski", "Nguyen",
         "Brown", "Baker", "Fischer", "Young", "Moreau", "Bianchi", "Novak", "Larsen", "Okafor", "Tanaka"]
_DOMAINS = ["example.com", "acme.io", "mail.example.org", "shop.example.net", "corp.example.de", "example.fr"]
_STREETS_US = ["Elm St", "Oak Avenue", "Maple Dr", "Pine Rd", "Cedar Lane", "Main Street", "Lakeview Blvd"]
_CITIES_US = [("Springfield", "IL"), ("Portland", "OR"), ("Austin", "TX"), ("Columbus", "OH"), ("Denver", "CO")]
_STREETS_EU = [("Hauptstraße", "10115 Berlin"), ("Rue de la Paix", "75002 Paris"), ("Via Roma", "00184 Roma"),
               ("Calle Mayor", "28013 Madrid"), ("Lindenweg", "80331 München"), ("Rue Victor Hugo", "69002 Lyon")]
_STREETS_NL = [("Keizersgracht", "1015 CJ Amsterdam"), ("Drottninggatan", "111 51 Stockholm"),
               ("Stationsstraat", "3511 CE Utrecht"), ("Storgatan", "411 38 Göteborg")]
_PRODUCTS = ["Summer Dress", "Hunter Boots", "Rose Gold Watch", "Grant Desk", "Trail Runner 2", "Joy Mug",
             "Page Planner", "Amber Candle", "Oak Shelf", "Aurora Lamp"]
_CAMPAIGNS = ["Spring Sale", "Summer Launch", "Black Friday", "Hope Week", "Will It Blend", "Grant Webinar",
              "April Promo", "Mark Down Monday"]
_EVENTS = ["Page Viewed", "Order Completed", "Cart Updated", "Signed Up", "Product Searched", "Checkout Started"]
_WORDS = ["great", "service", "delivery", "was", "late", "thanks", "please", "the", "order", "arrived", "box",
          "damaged", "size", "fits", "return", "call", "me", "about", "my", "refund", "tomorrow", "morning"]


def _pick(rng: R, seq: Sequence[str]) -> str:
    return seq[int(rng.integers(0, len(seq)))]


def _digits(rng: R, n: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, n))


def luhn_complete(body: str) -> str:
    """Append the Luhn check digit to a string of digits.

    >>> luhn_complete("424242424242424")
    '4242424242424242'
    """
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


# ---- value makers ----------------------------------------------------------------------------------

def _person(rng: R, word: bool = False) -> tuple[str, str]:
    return (_pick(rng, _WORD_FIRST) if word else _pick(rng, _FIRST)), _pick(rng, _LAST)


def _email(rng: R) -> str:
    f, last = _person(rng)
    local = _pick(rng, [f"{f}.{last}", f"{f[0]}{last}", f"{f}{_digits(rng, 2)}", f"{last}.{f}"])
    local = local.lower().replace("é", "e").replace("ü", "ue").replace("í", "i")
    return f"{local}@{_pick(rng, _DOMAINS)}"


def _email_obfuscated(rng: R) -> str:
    user, dom = _email(rng).split("@")
    d1, _, d2 = dom.rpartition(".")
    return _pick(rng, [f"{user} at {d1} dot {d2}", f"{user}(at){dom}", f"{user} [at] {d1} [dot] {d2}",
                       f"{user}＠{dom}", f"{user} @ {dom}"])


def _phone_us(rng: R) -> str:
    a, b = f"{int(rng.integers(201, 990))}", f"01{_digits(rng, 2)}"
    return _pick(rng, [f"+1 ({a}) 555-{b}", f"{a}-555-{b}", f"({a}) 555-{b}", f"+1{a}555{b}", f"{a}.555.{b}"])


def _phone_eu(rng: R) -> str:
    return _pick(rng, [f"+49 30 {_digits(rng, 7)}", f"+33 6 {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} "
                       f"{_digits(rng, 2)}", f"06 {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)}",
                       f"+44 20 7946 {_digits(rng, 4)}", f"+39 06 {_digits(rng, 8)}", f"0049 89 {_digits(rng, 6)}"])


def _phone_obfuscated(rng: R) -> str:
    a, b = f"{int(rng.integers(201, 990))}", _digits(rng, 2)
    return _pick(rng, [f"{a} 555 01 {b}", f"{a}/555-01{b}", f"call {a} five five five 01{b}", f"{a}-555-0 1 {b}"])


def _phone_nl(rng: R) -> str:
    return _pick(rng, [f"+31 6 {_digits(rng, 8)}", f"+46 70 {_digits(rng, 3)} {_digits(rng, 2)} {_digits(rng, 2)}",
                       f"06-{_digits(rng, 8)}", f"070-{_digits(rng, 3)} {_digits(rng, 2)} {_digits(rng, 2)}"])


def _name(rng: R, word: bool = False) -> str:
    f, last = _person(rng, word)
    return _pick(rng, [f"{f} {last}", f, last, f"{last}, {f}"])


def _address_us(rng: R) -> str:
    city, st = _pick(rng, [f"{c}|{s}" for c, s in _CITIES_US]).split("|")
    return f"{int(rng.integers(10, 9999))} {_pick(rng, _STREETS_US)}, {city}, {st} {_digits(rng, 5)}"


def _address_eu(rng: R) -> str:
    street, city = _pick(rng, [f"{s}|{c}" for s, c in _STREETS_EU]).split("|")
    n = int(rng.integers(1, 120))
    return f"{street} {n}, {city}" if not street.startswith("Rue") else f"{n} {street.lower()}, {city}"


def _address_nl(rng: R) -> str:
    street, city = _pick(rng, [f"{s}|{c}" for s, c in _STREETS_NL]).split("|")
    return f"{street} {int(rng.integers(1, 200))}, {city}"


def _gov_us(rng: R) -> str:
    return f"{int(rng.integers(100, 665))}-{_digits(rng, 2)}-{_digits(rng, 4)}"


def _gov_eu(rng: R) -> str:
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    dni = _digits(rng, 8)
    return _pick(rng, [_digits(rng, 11),  # German Steuer-ID shape
                       f"{dni}{letters[int(dni) % 23]}",  # Spanish DNI
                       f"QQ {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} C",  # UK NINO shape
                       f"{int(rng.integers(1, 3))} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} "
                       f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 2)}"])  # French NIR shape


def _gov_se(rng: R) -> str:
    return _pick(rng, [f"{int(rng.integers(50, 99))}{_digits(rng, 4)}-{_digits(rng, 4)}",  # Swedish personnummer
                       _digits(rng, 9)])  # Dutch BSN shape


def _card(rng: R) -> str:
    prefix = _pick(rng, ["4", "51", "37", "6011"])
    body = luhn_complete(prefix + _digits(rng, 15 - len(prefix)))
    return _pick(rng, [body, " ".join(body[i:i + 4] for i in range(0, 16, 4)),
                       "-".join(body[i:i + 4] for i in range(0, 16, 4))])


def _card_masked(rng: R) -> str:
    return _pick(rng, [f"**** **** **** {_digits(rng, 4)}", f"XXXX-XXXX-XXXX-{_digits(rng, 4)}", f"…{_digits(rng, 4)}"])


def _tracking(rng: R) -> str:
    body = luhn_complete(_digits(rng, 15))
    bad = body[:-1] + str((int(body[-1]) + 1) % 10)  # fails the Luhn check, like most 16-digit ids
    return _pick(rng, [bad, "1Z" + _digits(rng, 16), " ".join(bad[i:i + 4] for i in range(0, 16, 4))])


def _ip(rng: R) -> str:
    octets = rng.integers(1, 255, 4)
    v4 = ".".join(str(int(o)) for o in octets)
    v6 = "2001:db8:" + ":".join(f"{int(x):x}" for x in rng.integers(0, 65535, 3)) + "::" + f"{int(rng.integers(1, 999)):x}"
    return _pick(rng, [v4, v4, f"203.0.113.{int(rng.integers(1, 254))}", v6])


def _version(rng: R) -> str:
    return ".".join(str(int(x)) for x in rng.integers(0, 30, 4))


def _order_id(rng: R) -> str:
    return _pick(rng, [f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 4)}", f"ORD-{_digits(rng, 10)}",
                       f"{_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 4)}", f"+{_digits(rng, 11)}"])


def _uuid(rng: R) -> str:
    h = "".join(f"{int(x):x}" for x in rng.integers(0, 16, 32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _sentence(rng: R, k: int) -> str:
    return " ".join(_pick(rng, _WORDS) for _ in range(k))


def _free_text(rng: R, embed: Callable[[R], str] | None) -> str:
    a, b = _sentence(rng, int(rng.integers(3, 8))), _sentence(rng, int(rng.integers(2, 6)))
    if embed is None:
        return f"{a.capitalize()}, {b}."
    return f"{a.capitalize()} {embed(rng)} {b}."


def _none_value(rng: R) -> tuple[str, str]:
    kind = int(rng.integers(0, 10))
    if kind == 0:
        return _pick(rng, ["amount", "total_usd", "price", "order_value"]), f"{rng.uniform(1, 900):.2f}"
    if kind == 1:
        return _pick(rng, ["currency", "country", "locale"]), _pick(rng, ["USD", "EUR", "DE", "FR", "en-US", "de-DE"])
    if kind == 2:
        return _pick(rng, ["session_id", "anonymous_id", "message_id", "request_id"]), _uuid(rng)
    if kind == 3:
        return _pick(rng, ["event", "event_type", "action"]), _pick(rng, _EVENTS)
    if kind == 4:
        page = _pick(rng, ["cart", "p/42", "search?q=boots", "checkout"])
        return _pick(rng, ["page_url", "referrer", "path"]), f"https://www.example.com/{page}"
    if kind == 5:
        return _pick(rng, ["utm_source", "utm_medium", "channel"]), _pick(rng, ["newsletter", "cpc", "organic", "partner"])
    if kind == 6:
        return _pick(rng, ["sku", "product_id", "item_code"]), f"SKU-{_digits(rng, 6)}"
    if kind == 7:
        return _pick(rng, ["quantity", "items", "page_number"]), str(int(rng.integers(1, 40)))
    if kind == 8:
        stamp = f"2026-0{int(rng.integers(1, 9))}-1{int(rng.integers(0, 9))}T10:{_digits(rng, 2)}:00Z"
        return _pick(rng, ["timestamp", "sent_at", "created_at"]), stamp
    return _pick(rng, ["is_member", "consent_marketing", "opted_in"]), _pick(rng, ["true", "false"])


# ---- recipes: (weight, true_class, hard_case, region, maker) -> (field_name, value) -------------------

Maker = Callable[[R], tuple[str, str]]

_EMAIL_F = ["email", "user_email", "contact.email", "customer_email", "traits.email", "billing_email"]
_PHONE_F = ["phone", "mobile", "phone_number", "contact.phone", "traits.phone", "tel"]
_NAME_F = ["first_name", "last_name", "full_name", "customer_name", "traits.name", "recipient"]
_ADDR_F = ["address", "shipping_address", "billing_address", "street", "address_line1", "traits.address"]
_GOV_F = ["ssn", "tax_id", "national_id", "passport_number", "traits.ssn"]
_CARD_F = ["card_number", "cc_number", "payment.card", "pan"]
_IP_F = ["ip", "client_ip", "context.ip", "remote_addr", "ip_address"]
_OPAQUE = ["attr_7", "cf_12", "field3", "x_custom_2", "p1", "data.v", "col_b", "meta.k9"]
_FOREIGN = {
    "email": ["correo", "courriel", "e_mail_adresse", "correo_electronico"],
    "phone": ["telefono", "handynummer", "telephone_portable", "numero_tel"],
    "name": ["vorname", "nachname", "nom_complet", "nombre", "cognome"],
    "address": ["strasse", "adresse", "direccion", "indirizzo"],
    "government_id": ["steuer_id", "dni", "numero_secu", "codice_fiscale"],
    "payment_card": ["kartennummer", "numero_carte", "tarjeta"],
    "ip_address": ["adresse_ip", "direccion_ip"],
}
_DRIFT = {
    "email": ["e_postadress", "emailadres", "epost"],
    "phone": ["telefoonnummer", "mobiltelefon", "mobiel"],
    "name": ["achternaam", "voornaam", "efternamn", "fornamn"],
    "address": ["postadres", "gatuadress", "woonadres"],
    "government_id": ["personnummer", "bsn", "burgerservicenummer"],
    "payment_card": ["kortnummer", "kaartnummer"],
    "ip_address": ["ip_adres", "ipadress"],
}


def _fld(names: list[str], value: Callable[[R], str]) -> Maker:
    return lambda rng: (_pick(rng, names), value(rng))


def _foreign(cls: str, value: Callable[[R], str], pool: dict[str, list[str]] = _FOREIGN) -> Maker:
    return _fld(pool[cls], value)


US, EU, ANY = "us-east-1", "eu-west-1", "any"

_BASELINE: list[tuple[float, str, str, str, Maker]] = [
    # no personal data (about half the fields)
    (34.0, "none", "plain", ANY, _none_value),
    (3.0, "none", "lookalike", ANY, _fld(["order_id", "invoice_no", "reference", "ticket_id"], _order_id)),
    (2.0, "none", "lookalike", ANY, _fld(["tracking_number", "shipment_ref", "barcode"], _tracking)),
    (2.0, "none", "lookalike", ANY, _fld(["app_version", "sdk_version", "build", "library.version"], _version)),
    (2.5, "none", "common_word_name", ANY, _fld(["product_name", "item_name"], lambda r: _pick(r, _PRODUCTS))),
    (2.5, "none", "common_word_name", ANY, _fld(["campaign_name", "event_name", "plan_name", "list_name"],
                                                lambda r: _pick(r, _CAMPAIGNS + _EVENTS))),
    (2.5, "none", "free_text", ANY, _fld(["comment", "notes", "message", "feedback"], lambda r: _free_text(r, None))),
    # ambiguous by design: the same shapes as PII in opaque fields (only the customer knows)
    (1.2, "none", "opaque_name", ANY, _fld(_OPAQUE, lambda r: _digits(r, int(r.integers(9, 12))))),
    (1.0, "none", "opaque_name", ANY, _fld(_OPAQUE, lambda r: _pick(r, [*_WORD_FIRST, "Teal", "Ivory", "Large"]))),
    (0.6, "none", "opaque_name", ANY, _fld(_OPAQUE, lambda r: f"{_digits(r, 3)}-{_digits(r, 3)}-{_digits(r, 4)}")),
    (1.5, "none", "masked", ANY, _fld(_CARD_F, _card_masked)),
    (1.0, "none", "masked", ANY, _fld(_EMAIL_F, lambda r: f"{_pick(r, 'abcdefghjk')}***@***.{_pick(r, ['com', 'de', 'io'])}")),
    # email
    (4.0, "email", "plain", ANY, _fld(_EMAIL_F, _email)),
    (1.2, "email", "obfuscated", ANY, _fld([*_EMAIL_F, "contact"], _email_obfuscated)),
    (0.8, "email", "non_english_name", EU, _foreign("email", _email)),
    (0.7, "email", "opaque_name", ANY, _fld(_OPAQUE, _email)),
    (0.8, "email", "free_text", ANY, _fld(["comment", "notes", "message"], lambda r: _free_text(r, _email))),
    # phone
    (3.2, "phone", "plain", US, _fld(_PHONE_F, _phone_us)),
    (1.5, "phone", "eu_format", EU, _fld(_PHONE_F, _phone_eu)),
    (0.8, "phone", "non_english_name", EU, _foreign("phone", _phone_eu)),
    (0.8, "phone", "obfuscated", ANY, _fld(_PHONE_F, _phone_obfuscated)),
    (0.7, "phone", "opaque_name", ANY, _fld(_OPAQUE, _phone_us)),
    (0.6, "phone", "free_text", ANY, _fld(["comment", "notes", "message"], lambda r: _free_text(r, _phone_us))),
    # name
    (3.5, "name", "plain", ANY, _fld(_NAME_F, _name)),
    (1.5, "name", "common_word_name", ANY, _fld(_NAME_F, lambda r: _name(r, word=True))),
    (0.8, "name", "non_english_name", EU, _foreign("name", _name)),
    (0.7, "name", "opaque_name", ANY, _fld(_OPAQUE, lambda r: " ".join(_person(r)))),
    (0.5, "name", "opaque_name", ANY, _fld(_OPAQUE, lambda r: _pick(r, _WORD_FIRST))),
    (0.5, "name", "free_text", ANY, _fld(["comment", "notes"], lambda r: _free_text(r, lambda q: "ask for " + " ".join(_person(q))))),
    # address
    (3.0, "address", "plain", US, _fld(_ADDR_F, _address_us)),
    (1.5, "address", "eu_format", EU, _fld(_ADDR_F, _address_eu)),
    (0.8, "address", "non_english_name", EU, _foreign("address", _address_eu)),
    (0.6, "address", "opaque_name", ANY, _fld(_OPAQUE, _address_us)),
    (0.5, "address", "free_text", ANY, _fld(["comment", "delivery_notes"], lambda r: _free_text(r, _address_us))),
    # government id
    (2.2, "government_id", "plain", US, _fld(_GOV_F, _gov_us)),
    (1.3, "government_id", "eu_format", EU, _fld(_GOV_F, _gov_eu)),
    (0.8, "government_id", "non_english_name", EU, _foreign("government_id", _gov_eu)),
    (0.5, "government_id", "opaque_name", ANY, _fld(_OPAQUE, _gov_us)),
    (0.5, "government_id", "opaque_name", EU, _fld(_OPAQUE, lambda r: _digits(r, 11))),
    # payment card
    (2.5, "payment_card", "plain", ANY, _fld(_CARD_F, _card)),
    (0.6, "payment_card", "non_english_name", EU, _foreign("payment_card", _card)),
    (0.7, "payment_card", "opaque_name", ANY, _fld(_OPAQUE, _card)),
    # ip address
    (3.0, "ip_address", "plain", ANY, _fld(_IP_F, _ip)),
    (0.5, "ip_address", "non_english_name", EU, _foreign("ip_address", _ip)),
    (0.7, "ip_address", "opaque_name", ANY, _fld(_OPAQUE, _ip)),
]

_DRIFT_RECIPES: list[tuple[float, str, str, str, Maker]] = [
    (30.0, "none", "plain", ANY, _none_value),
    (3.0, "none", "lookalike", ANY, _fld(["ordernummer", "bestelling_id", "referens"], _order_id)),
    (3.0, "none", "common_word_name", ANY, _fld(["productnaam", "kampanj_namn"], lambda r: _pick(r, _PRODUCTS + _CAMPAIGNS))),
    (5.0, "email", "non_english_name", EU, _foreign("email", _email, _DRIFT)),
    (6.0, "phone", "non_english_name", EU, _foreign("phone", _phone_nl, _DRIFT)),
    (6.0, "name", "non_english_name", EU, _foreign("name", _name, _DRIFT)),
    (5.0, "address", "non_english_name", EU, _foreign("address", _address_nl, _DRIFT)),
    (5.0, "government_id", "non_english_name", EU, _foreign("government_id", _gov_se, _DRIFT)),
    (3.0, "payment_card", "non_english_name", EU, _foreign("payment_card", _card, _DRIFT)),
    (3.0, "ip_address", "non_english_name", EU, _foreign("ip_address", _ip, _DRIFT)),
]


def _draw(rng: R, recipes: list[tuple[float, str, str, str, Maker]], n: int, eu_share: float) -> pd.DataFrame:
    w = np.array([r[0] for r in recipes], dtype=float)
    idx = rng.choice(len(recipes), size=n, p=w / w.sum())
    rows = []
    for i in idx:  # a few thousand rows of string templating: a loop is the clear way
        _, cls, hard, region, make = recipes[int(i)]
        name, value = make(rng)
        if region == ANY:
            region = EU if rng.random() < eu_share else US
        tier = "enterprise" if rng.random() < 0.3 else "mid-market"
        rows.append((tier, region, name, value, cls, hard))
    return pd.DataFrame(rows, columns=["tier", "region", "field_name", "sample_value", "true_class", "hard_case"])


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The labelled sample ``pii_fields.csv`` (baseline cohort split 50/25/25, plus the drift cohort)."""
    eu_share = float(system.sample["eu_share_of_new_customers"])
    base = _draw(rng, _BASELINE, N_BASELINE, eu_share)
    cut = rng.permutation(N_BASELINE)
    split = np.empty(N_BASELINE, dtype=object)
    split[cut[: N_BASELINE // 2]] = "train"
    split[cut[N_BASELINE // 2: 3 * N_BASELINE // 4]] = "validation"
    split[cut[3 * N_BASELINE // 4:]] = "test"
    base["split"] = split
    drift = _draw(rng, _DRIFT_RECIPES, N_DRIFT, 1.0)
    drift["split"] = "drift"
    out = pd.concat([base, drift], ignore_index=True)
    out.insert(0, "field_id", [f"P{i + 1:05d}" for i in range(len(out))])
    return {"pii_fields.csv": out}
