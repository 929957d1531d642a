"""Decision records: every ADR's front matter and MADR sections, the set's consistency, the index."""

import shutil

import pytest

from dfp.book.adr import REQUIRED_SECTIONS, adr_dir, load_adrs, parse_adr, render_index
from dfp.core.errors import PlaybookError


def test_at_least_ten_valid_adrs_with_the_numbering_plan():
    adrs = load_adrs()
    assert len(adrs) >= 10
    assert adrs[0].number == "0001" and "AWS" in adrs[0].title
    by = {a.number: a for a in adrs}
    assert by["0004"].status == "superseded" and by["0004"].superseded_by == "0007"
    assert by["0008"].status == "superseded" and by["0008"].superseded_by == "0014"
    for n, inc in [("0009", "INC-01"), ("0010", "INC-02"), ("0011", "INC-03"), ("0012", "INC-04"),
                   ("0013", "INC-05"), ("0014", "INC-06")]:
        assert by[n].trigger == inc


def test_every_adr_has_the_madr_sections_and_links_its_notebook():
    for a in load_adrs():
        for sec in REQUIRED_SECTIONS:
            assert any(h.lower().startswith(sec.lower()) for h in a.sections), (a.number, sec)
        text = a.path.read_text()
        if a.notebook:
            assert a.notebook[: -len(".ipynb")] in text, a.number
        assert "Trigger:" in text


def test_index_is_generated_from_front_matter():
    expected = render_index(load_adrs())
    assert (adr_dir() / "index.md").read_text() == expected, "regenerate with: python -m dfp.book.adr"


def _copy(tmp_path):
    d = tmp_path / "adrs"
    shutil.copytree(adr_dir(), d)
    return d


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("name, old, new, msg", [
    ("0009-partition-key-and-stream-capacity.md", "date: 2025-08-06", "date: 2025-07-10", "before ADR-0008|ended"),
    ("0001-cloud-provider-aws.md", "status: accepted", "status: approved", "status must be one of"),
    ("0002-managed-stream-kinesis.md", "## Decision drivers", "## Drivers", "missing section 'Decision drivers'"),
    ("0004-single-region-mvp.md", 'superseded-by: "0007"', 'superseded-by: "0006"', "does not supersede it"),
    ("0003-event-store-s3-dynamodb.md", "trigger: constraint:durability_nines", "trigger: constraint:speed",
     "names no constraint"),
    ("0010-regional-isolation-buffering-degradation.md", "trigger: INC-02", "trigger: INC-99", "INC-99"),
])
def test_broken_records_are_rejected(tmp_path, name, old, new, msg):
    d = _copy(tmp_path)
    _edit(d / name, old, new)
    with pytest.raises(PlaybookError, match=msg):
        load_adrs(d)


def test_incident_adr_must_postdate_its_incident(tmp_path):
    d = _copy(tmp_path)
    # move ADR-0009 before INC-01 while keeping the sequence monotonic
    _edit(d / "0009-partition-key-and-stream-capacity.md", "date: 2025-08-06", "date: 2025-07-15")
    with pytest.raises(PlaybookError, match=r"INC-01 ended 2025-07-16"):
        load_adrs(d)


def test_gap_in_numbering_rejected(tmp_path):
    d = _copy(tmp_path)
    (d / "0005-slos-multiwindow-burn-rate.md").unlink()
    with pytest.raises(PlaybookError, match="without gaps"):
        load_adrs(d)


def test_bad_file_name(tmp_path):
    p = tmp_path / "12-x.md"
    p.write_text("---\nstatus: accepted\n---\n")
    with pytest.raises(PlaybookError, match=r"NNNN-slug\.md"):
        parse_adr(p)
