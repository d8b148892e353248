"""CSV imports: every bad row reported with its line, and nothing stored unless all are good."""

from __future__ import annotations

import re
from datetime import date

import pytest

from parity.adapters.csv_rows import read_rows
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.errors import InvalidInput
from parity.domain.member_lookup import MemberQuery
from parity.domain.scope import EVERYONE
from parity.services.imports import COLUMNS, ImportRejected, import_rows
from parity.services.member_search import find_members
from parity.services.policy import Policy

CLINICS = b"""id,name,address,county
north,North Clinic,1 North St.,Los Angeles
south,South Clinic,2 South St.,Orange
"""

CLINICIANS = b"""id,name,discipline,fte,clinics,languages,modalities
ana,Ana,therapist,1.0,north,english;spanish,in-person;video
ben,Ben,social-worker,0.5,south,english,
"""

# ana: 5 h IPC at 1.0 FTE (socal-2025); ben: 2.5 h at 0.5 FTE.
TEMPLATES = b"""clinician_id,weekday,start,end,kind,clinic_id,slot_minutes
ana,mon,08:00,13:00,ipc,north,
ana,tue,09:00,12:00,follow-up,north,50
ben,wed,08:00,10:30,ipc,south,
ben,wed,10:30,12:30,intake,south,60
"""


def _load(uow: MemoryUnitOfWork, policy: Policy, kind: str, data: bytes) -> int:
    return import_rows(kind, read_rows(data, COLUMNS[kind]), uow, policy).imported


def _full(policy: Policy) -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    for kind, data in (("clinics", CLINICS), ("clinicians", CLINICIANS), ("templates", TEMPLATES)):
        _load(uow, policy, kind, data)
    return uow


def test_a_valid_set_of_files_imports_everything(policy: Policy) -> None:
    uow = _full(policy)
    assert {c.id for c in uow.clinics.list()} == {"north", "south"}
    ana = uow.clinicians.get("ana")
    assert ana.languages == frozenset({"english", "spanish"})
    assert uow.clinicians.get("ben").fte == 0.5
    assert uow.templates.get("ana").ipc_minutes() == 300


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(policy: Policy) -> None:
    uow = MemoryUnitOfWork()
    _load(uow, policy, "clinics", CLINICS)
    bad = b"""id,name,discipline,fte,clinics
ok,Okay,therapist,1.0,north
x1,Bad Fte,therapist,1.7,north
x2,Bad Discipline,wizard,1.0,north
x3,No Clinic,therapist,1.0,east
ok,Duplicate,therapist,1.0,north
x5,,therapist,1.0,north
"""
    with pytest.raises(ImportRejected) as caught:
        _load(uow, policy, "clinicians", bad)
    lines = [line for line, _ in caught.value.problems]
    assert lines == [3, 4, 5, 6, 7]
    reasons = dict(caught.value.problems)
    assert "FTE" in reasons[3]
    assert "wizard" in reasons[4]
    assert "east" in reasons[5]
    assert "duplicate id 'ok'" in reasons[6]
    assert "empty name" in reasons[7]
    assert uow.clinicians.list() == []


def test_a_template_short_of_protected_time_is_refused_naming_the_clinician(policy: Policy) -> None:
    uow = MemoryUnitOfWork()
    _load(uow, policy, "clinics", CLINICS)
    _load(uow, policy, "clinicians", CLINICIANS)
    short = b"""clinician_id,weekday,start,end,kind,clinic_id,slot_minutes
ben,wed,08:00,10:30,ipc,south,
ana,mon,08:00,10:00,ipc,north,
ana,tue,09:00,12:00,follow-up,north,50
"""
    with pytest.raises(ImportRejected) as caught:
        _load(uow, policy, "templates", short)
    ((line, reason),) = caught.value.problems
    assert line == 3
    assert "ana" in reason
    assert "short by 180 min" in reason
    assert uow.templates.list() == []  # ben's valid week was not stored either


def test_an_existing_id_is_refused_not_overwritten(policy: Policy) -> None:
    uow = _full(policy)
    with pytest.raises(ImportRejected, match="clinic 'north' already exists"):
        _load(uow, policy, "clinics", b"id,name,address\nnorth,Other,3 Elm St.\n")
    assert uow.clinics.get("north").name == "North Clinic"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,address\nA,B\n", re.escape("missing column(s) id")),
        (b"id,name,address\n", "no rows"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b'id,name,address\n"north,North,1 St.\n', "line"),
    ],
)
def test_a_malformed_file_is_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_rows(data, COLUMNS["clinics"])


def test_members_import_with_their_home_clinic_and_modalities(policy: Policy) -> None:
    uow = _full(policy)
    data = b"id,name,clinic_id,language,modalities,birth_date\nm1,Member One,north,spanish,in-person,1980-02-03\n"
    assert _load(uow, policy, "members", data) == 1
    member = uow.members.get("m1")
    assert member.language == "spanish"
    assert member.birth_date is not None
    assert member.birth_date.year == 1980


def test_imported_members_are_found_by_their_name_parts_gender_birth_date_and_phone(
    policy: Policy,
) -> None:
    uow = _full(policy)
    members = b"""id,name,clinic_id,family,given,gender,birth_date,phone
m1,Maria de la Cruz,north,de la Cruz,Maria,female,1990-04-02,555-0101
m2,Li Wei,south,Li,Wei,male,,
"""
    assert _load(uow, policy, "members", members) == 2
    with uow:
        first = uow.members.get("m1")
        second = uow.members.get("m2")
    # the columns as written, not a split of `name` (which would say family "Cruz")
    assert (first.family, first.given, first.gender) == ("de la Cruz", "Maria", "female")
    assert (first.birth_date, first.phone) == (date(1990, 4, 2), "555-0101")
    assert (second.family, second.given, second.gender) == ("Li", "Wei", "male")
    # and the Patient search finds them by those parts (family "de la Cruz", not "Cruz")
    asked = MemberQuery(family=(frozenset({"de la"}),), genders=(frozenset({"female"}),))
    found = find_members(uow, asked, EVERYONE, 0, 10)
    assert [m.id for m in found.members] == ["m1"]


def test_a_member_row_with_a_gender_outside_fhirs_value_set_rejects_the_whole_file(
    policy: Policy,
) -> None:
    uow = _full(policy)
    members = b"""id,name,clinic_id,family,given,gender
m1,Ann Lee,north,Lee,Ann,female
m2,Bo Kim,north,Kim,Bo,x
"""
    with pytest.raises(ImportRejected, match=r"line 3.*gender"):
        _load(uow, policy, "members", members)
    with uow:
        assert not uow.members.list()


LONG = "A" * 301
UNADDRESSABLE = [
    ("clinics", "id,name,address\nno rth,N,1 St.\n", "id 'no rth' is not an id"),
    ("clinics", "id,name,address\n-north,N,1 St.\n", "id '-north' is not an id"),
    ("clinics", "id,name,address\nnörth,N,1 St.\n", "id 'nörth' is not an id"),
    ("clinics", f"id,name,address\nwest,{LONG},1 St.\n", "name is longer than 300"),
    ("members", "id,name,clinic_id\n../../m1,Ana,north\n", "id '../../m1' is not an id"),
    ("members", "id,name,clinic_id\nm1,Ana,north/../south\n", "clinic_id 'north/../south'"),
    ("members", 'id,name,clinic_id\nm1,"Ana\nKing",north\n', "name holds a control character"),
    ("members", "id,name,clinic_id\nm1,Ana\x07,north\n", "name holds a control character"),
    ("members", f"id,name,clinic_id\nm1,Ana,north\nm{'9' * 64},Ben,north\n", "is not an id"),
    ("clinicians", "id,name,discipline,fte,clinics\nc1,C,therapist,1,north;north\n", "twice"),
    ("clinicians", "id,name,discipline,fte,clinics\nc1,C,therapist,1,north;s th\n", "'s th'"),
    ("templates", "clinician_id,weekday,start,end,kind,clinic_id\nana b,mon,08:00,13:00,ipc,north\n", "'ana b'"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "data", "message"), UNADDRESSABLE)
def test_a_row_naming_what_no_id_can_address_is_refused_with_the_whole_file(
    policy: Policy, kind: str, data: str, message: str
) -> None:
    # An id is what the API can address (1-64 ASCII letters, digits, '.', '_' or '-',
    # starting with a letter or a digit); a value of a person or a place fits a line.
    uow = _full(policy)
    before = {k: len(r.list()) for k, r in (("clinics", uow.clinics), ("members", uow.members))}
    with pytest.raises(ImportRejected, match=re.escape(message)):
        _load(uow, policy, kind, data.encode())
    assert {
        k: len(r.list()) for k, r in (("clinics", uow.clinics), ("members", uow.members))
    } == before


def test_names_in_any_language_are_kept_as_written(policy: Policy) -> None:
    uow = _full(policy)
    _load(uow, policy, "members", "id,name,clinic_id\nm9,José Pérez-Ñúñez,north\n".encode())
    assert uow.members.get("m9").name == "José Pérez-Ñúñez"
