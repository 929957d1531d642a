"""The deterministic rules baseline: regexes over the value, keywords over the field name.

========================  =================================================================
``rules_classify``         one PII class per field (vectorised over a batch), never raises
``luhn_valid``             the Luhn check of card numbers, vectorised
``RULE_ORDER``             the precedence the rules apply in (documented, tested)
========================  =================================================================

This is the floor the platform always has: it needs no model, no network and no training, runs in
every region, and is what the guarded classifier degrades to when the model is down.
Precedence: a strong value pattern (email, Luhn-valid card, SSN/NINO, IP) wins; then the field
name's keyword; then a weak value pattern (phone-shaped digits); then PII embedded in free text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError

__all__ = ["RULE_ORDER", "luhn_valid", "rules_classify"]

RULE_ORDER = ("value:email", "value:payment_card", "value:government_id", "value:ip_address",
              "name:ip_address", "name:email", "name:phone", "name:payment_card", "name:government_id",
              "name:address", "name:name", "value:phone", "text:email", "text:phone")

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_VALUE = {
    "email": r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
    "government_id": r"^(?:\d{3}-\d{2}-\d{4}|[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D])$",
    "ip_address": rf"^(?:{_OCTET}(?:\.{_OCTET}){{3}}|[0-9A-Fa-f]{{1,4}}(?::[0-9A-Fa-f]{{0,4}}){{2,7}})$",
    "phone": r"^\+?[\d\s().-]{7,20}$",
}
_NAME = {  # keywords, matched against the lower-cased field name
    "ip_address": r"(?:^|[._])(?:ip|ip_address|client_ip|remote_addr)$",
    "email": r"e_?mail|correo|courriel",
    "phone": r"phone|mobile|(?:^|[._])tel(?:$|[._])|telefono|handy",
    "payment_card": r"card|(?:^|[._])pan$|cc_number|tarjeta",
    "government_id": r"ssn|tax_id|national_id|passport|(?:^|[._])dni$|steuer|secu|fiscale",
    "address": r"address|street|strasse|adresse|direccion|indirizzo",
    "name": r"(?:^|[._])(?:first_?name|last_?name|full_?name|surname|recipient|name|vorname|nachname|nom|nombre|"
            r"nom_complet|cognome)$|_name$",
}
_TEXT = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "phone": r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b",
}


def luhn_valid(values: pd.Series) -> np.ndarray:
    """True where the value's digits (13 to 19 of them, separators ignored) pass the Luhn check.

    Formula: double every second digit from the right, subtract 9 from results above 9, and the sum
    is a multiple of 10. Values with letters or too few/many digits are False.

    >>> luhn_valid(pd.Series(["4242 4242 4242 4242", "4242 4242 4242 4243", "abc"])).tolist()
    [True, False, False]
    """
    s = values.astype(str)
    shaped = s.str.fullmatch(r"[\d -]{13,23}").fillna(False).to_numpy(dtype=bool)
    digits = s.str.replace(r"[ -]", "", regex=True)
    n = digits.str.len().to_numpy()
    ok = shaped & (n >= 13) & (n <= 19)
    out = np.zeros(len(s), dtype=bool)
    if not ok.any():
        return out
    sel = digits[ok].to_numpy()
    width = 19
    padded = np.array([list(d.rjust(width, "0")) for d in sel], dtype=np.int64)  # right-aligned digits
    double = (np.arange(width)[::-1] % 2) == 1  # every second digit from the right
    d = padded.copy()
    d[:, double] = d[:, double] * 2
    d = np.where(d > 9, d - 9, d)
    out[ok] = d.sum(axis=1) % 10 == 0
    return out


def rules_classify(field_names: Sequence[str] | pd.Series, values: Sequence[str] | pd.Series) -> np.ndarray:
    """Classify each (field name, sample value) pair with the rules; returns an array of class names.

    >>> rules_classify(["email", "order_id", "attr_7", "card"], ["a@b.io", "415-555-0132", "x", "**** 4242"]).tolist()
    ['email', 'phone', 'none', 'payment_card']
    """
    names = pd.Series(list(field_names), dtype=object).astype(str).str.lower()
    vals = pd.Series(list(values), dtype=object).astype(str).str.strip()
    if len(names) != len(vals):

        raise PlaybookError(f"rules_classify: {len(names)} field names but {len(vals)} values")
    out = np.full(len(vals), "none", dtype=object)
    decided = np.zeros(len(vals), dtype=bool)

    def assign(mask: np.ndarray, cls: str) -> None:
        m = mask & ~decided
        out[m] = cls
        decided[m] = True

    def match(series: pd.Series, pattern: str, full: bool) -> np.ndarray:
        res = series.str.fullmatch(pattern) if full else series.str.contains(pattern, regex=True)
        return res.fillna(False).to_numpy(dtype=bool)

    digits = vals.str.count(r"\d").to_numpy()
    for rule in RULE_ORDER:
        kind, cls = rule.split(":")
        if kind == "value":
            if cls == "payment_card":
                assign(luhn_valid(vals), cls)
            elif cls == "phone":
                assign(match(vals, _VALUE[cls], True) & (digits >= 7) & (digits <= 15), cls)
            else:
                assign(match(vals, _VALUE[cls], True), cls)
        elif kind == "name":
            assign(match(names, _NAME[cls], False), cls)
        else:
            assign(match(vals, _TEXT[cls], False), cls)
    return out
