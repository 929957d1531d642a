"""Schema of the labelled PII sample: payload fields with their true class (the AI capability's test set)."""

from __future__ import annotations

from dfp.io.schema import Column, Schema
from dfp.io.schemas.business import REGIONS, TIERS

__all__ = ["HARD_CASES", "PII_CLASSES", "SCHEMAS", "SPLITS"]

#: The classes a payload field can carry; ``none`` is "no personal data".
PII_CLASSES = ("none", "email", "phone", "name", "address", "government_id", "payment_card", "ip_address")
#: Why a field is hard (``plain`` = not deliberately hard).
HARD_CASES = (
    "plain",             # an ordinary field: the name and the value agree
    "obfuscated",        # PII written to dodge a regex: "jane (at) acme dot com", digits with odd spacing
    "lookalike",         # not PII but shaped like it: phone-like order ids, version strings like IPs
    "common_word_name",  # a person's name that is also a word ("Rose", "Hunter"), or a word in a name field
    "free_text",         # a comment or message, with or without embedded PII
    "non_english_name",  # the field name is not English ("telefono", "strasse", "achternaam")
    "opaque_name",       # the field name carries no meaning ("attr_7", "cf_12")
    "eu_format",         # an EU format of the value (+49 numbers, Steuer-ID, DNI, "Hauptstraße 5")
    "masked",            # already masked by the customer ("**** **** **** 4242"): not PII any more
)
#: ``train``/``validation``/``test`` come from the baseline cohort; ``drift`` is a later cohort with
#: languages and formats the model never saw (Dutch and Swedish customers).
SPLITS = ("train", "validation", "test", "drift")

pii_fields = Schema(
    name="pii_fields",
    file="pii_fields.csv",
    description=(
        "Labelled sample of event payload fields (field name, one sample value, the customer's tier and "
        "region, the true PII class), with deliberate hard cases; every value is synthetic."
    ),
    generated_by="dfp.generate.pii",
    grain="one row per (customer, payload field) sampled for review",
    key=("field_id",),
    columns=(
        Column("field_id", "str", "-", "Stable id, P00001..."),
        Column("tier", "str", "-", "Commercial tier of the customer sending the field", allowed=TIERS),
        Column("region", "str", "-", "Home region of the customer; eu-west-1 payloads may not leave the EU",
               allowed=REGIONS),
        Column("field_name", "str", "-", "JSON path of the field in the event payload, as the customer named it"),
        Column("sample_value", "str", "-", "One sample value of the field (synthetic)"),
        Column("true_class", "str", "-", "The label a privacy reviewer gave the field", allowed=PII_CLASSES),
        Column("hard_case", "str", "-", "Why the field is hard to classify (plain when it is not)",
               allowed=HARD_CASES),
        Column("split", "str", "-", "Evaluation split: train / validation / test (baseline cohort) or drift",
               allowed=SPLITS),
    ),
)

SCHEMAS = (pii_fields,)
