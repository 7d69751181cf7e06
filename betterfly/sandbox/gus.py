"""A GUS BIR 1.1 emulator for the demo and the tests, at /sandbox/gus/.

It speaks the protocol as the production service does: SOAP 1.2 with
WS-Addressing (the `wsa:Action` must name the operation and `wsa:To` the
address actually called), the session id from `Zaloguj` in the `sid` HTTP
header, and every answer framed as MTOM/XOP `multipart/related`. Sessions live
in the shared store and expire after `GUS_SANDBOX_SESSION_SECONDS` without use
(an hour by default). The key is the public GUS test key
`abcde12345abcde12345`, or GUS_API_KEY when that is set.

Service address: /sandbox/gus/wsBIR/UslugaBIRzewnPubl.svc
WSDL: /sandbox/gus/wsBIR/wsdl/UslugaBIRzewnPubl-ver11-test.wsdl

Demo NIPs (all with valid checksums):

    5213379026  HURTOWNIA PAPIERNICZA ORBITA SP. Z O.O., Warszawa: a legal
                person (typ P) whose values come padded with spaces
    6772345191  sole trader (typ F) with a farming row listed before the
                CEIDG activity that is chosen
    7393018465  a company with two local units (typ LP) listed before it
    7122904551  a sole trader whose activity ended on 30.06.2023
    5833112079  an activity removed in 2012 and the current one (silos 4, 1)
    9462627198  a partnership in a village without streets
    7792458131  a name with HTML and a <script> tag, to show escaping
    8134027116  not found (GUS answers with ErrorCode 4)
    9542730188  GUS fails with a SOAP fault; the VAT white list knows it
    8513184044  GUS answers after 10 s (`GUS_SANDBOX_DELAY_SECONDS`); the
                VAT white list knows it
    7722401568  GUS shows its HTML maintenance page (HTTP 200); unknown to
                the white list, so the page asks for manual entry
    6342765097  GUS answers with bytes that are not XML
    5551112223  GUS drops the connection without answering
    999xxxxxxx  any valid NIP starting with 999 is a generated company
                „FIRMA TESTOWA …” (for benchmarks)

Any other valid NIP is not found (an empty result and KomunikatKod 4).

For tests and benchmarks: `GET /sandbox/gus/_stats` counts the requests per
operation (and WSDL downloads); `POST /sandbox/gus/_sessions/expire` ends
every open session.
"""

from __future__ import annotations

import secrets
import socket
import string
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request, url_for
from lxml import etree
from stdnum.pl.regon import calc_check_digit as regon_check_digit

from ..extensions import csrf
from ..integrations.gus.client import TEST_KEY, WSDL_PATH

bp = Blueprint("sandbox_gus", __name__, url_prefix="/sandbox/gus")
csrf.exempt(bp)

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
PUBL = "http://CIS/BIR/PUBL/2014/07"
BIR = "http://CIS/BIR/2014/07"
DATA_CONTRACT = "http://CIS/BIR/PUBL/2014/07/DataContract"

ACTIONS = {
    f"{PUBL}/IUslugaBIRzewnPubl/Zaloguj": (PUBL, "Zaloguj"),
    f"{PUBL}/IUslugaBIRzewnPubl/Wyloguj": (PUBL, "Wyloguj"),
    f"{PUBL}/IUslugaBIRzewnPubl/DaneSzukajPodmioty": (PUBL, "DaneSzukajPodmioty"),
    f"{PUBL}/IUslugaBIRzewnPubl/DanePobierzPelnyRaport": (
        PUBL,
        "DanePobierzPelnyRaport",
    ),
    f"{PUBL}/IUslugaBIRzewnPubl/DanePobierzRaportZbiorczy": (
        PUBL,
        "DanePobierzRaportZbiorczy",
    ),
    f"{BIR}/IUslugaBIR/GetValue": (BIR, "GetValue"),
}
OPERATIONS = [operation for _, operation in ACTIONS.values()]

ERROR_NIP = "9542730188"
DELAY_NIP = "8513184044"
MAINTENANCE_NIP = "7722401568"
GARBAGE_NIP = "6342765097"
DROPPED_NIP = "5551112223"
NOT_FOUND_NIP = "8134027116"
GENERATED_PREFIX = "999"
DATA_DATE = "05-01-2026"
STATS_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Unit:
    """One row GUS returns for a NIP."""

    regon: str
    name: str
    street: str
    building: str
    unit: str
    postal_code: str
    city: str
    voivodeship: str
    county: str
    commune: str
    kind: str
    silo: str
    ended: str = ""


COMPANIES: dict[str, list[Unit]] = {
    "5213379026": [
        Unit(
            "141526371",
            "HURTOWNIA PAPIERNICZA ORBITA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            "ul. Marszałkowska",
            "84/92",
            "118",
            "00-514",
            "Warszawa",
            "MAZOWIECKIE",
            "m. st. Warszawa",
            "Śródmieście",
            "P",
            "6",
        )
    ],
    "6772345191": [
        Unit(
            "356271849",
            "GOSPODARSTWO ROLNE TOMASZ KOWALCZYK",
            "",
            "112",
            "",
            "32-020",
            "Siercza",
            "MAŁOPOLSKIE",
            "wielicki",
            "Wieliczka",
            "F",
            "2",
        ),
        Unit(
            "356271849",
            "USŁUGI REMONTOWO-BUDOWLANE TOMASZ KOWALCZYK",
            "ul. Długa",
            "5",
            "3",
            "31-147",
            "Kraków",
            "MAŁOPOLSKIE",
            "m. Kraków",
            "Kraków-Śródmieście",
            "F",
            "1",
        ),
    ],
    "7393018465": [
        Unit(
            "51093728400015",
            "BIURO PODRÓŻY WARMIA SPÓŁKA AKCYJNA ODDZIAŁ W GDAŃSKU",
            "ul. Długi Targ",
            "20",
            "1",
            "80-828",
            "Gdańsk",
            "POMORSKIE",
            "m. Gdańsk",
            "Gdańsk",
            "LP",
            "6",
        ),
        Unit(
            "51093728400022",
            "BIURO PODRÓŻY WARMIA SPÓŁKA AKCYJNA ODDZIAŁ W KRAKOWIE",
            "ul. Floriańska",
            "31",
            "",
            "31-019",
            "Kraków",
            "MAŁOPOLSKIE",
            "m. Kraków",
            "Kraków-Śródmieście",
            "LP",
            "6",
        ),
        Unit(
            "510937284",
            "BIURO PODRÓŻY WARMIA SPÓŁKA AKCYJNA",
            "ul. Tadeusza Kościuszki",
            "12",
            "",
            "10-502",
            "Olsztyn",
            "WARMIŃSKO-MAZURSKIE",
            "m. Olsztyn",
            "Olsztyn",
            "P",
            "6",
        ),
    ],
    "7122904551": [
        Unit(
            "431129585",
            "PIEKARNIA POD LIPAMI ANNA WÓJCIK",
            "ul. Lipowa",
            "3",
            "",
            "20-020",
            "Lublin",
            "LUBELSKIE",
            "m. Lublin",
            "Lublin",
            "F",
            "1",
            ended="2023-06-30",
        )
    ],
    "5833112079": [
        Unit(
            "192847368",
            "PRACOWNIA PROJEKTOWA MAREK NOWICKI",
            "ul. Wały Jagiellońskie",
            "2",
            "",
            "80-887",
            "Gdańsk",
            "POMORSKIE",
            "m. Gdańsk",
            "Gdańsk",
            "F",
            "4",
            ended="2012-03-31",
        ),
        Unit(
            "192847368",
            "PRACOWNIA ARCHITEKTONICZNA MAREK NOWICKI",
            "ul. Grunwaldzka",
            "102",
            "7",
            "80-244",
            "Gdańsk",
            "POMORSKIE",
            "m. Gdańsk",
            "Gdańsk",
            "F",
            "1",
        ),
    ],
    "9462627198": [
        Unit(
            "063782456",
            "GOSPODARSTWO OGRODNICZE ZIELONY ZAKĄTEK SPÓŁKA JAWNA",
            "",
            "45",
            "",
            "21-030",
            "Motycz",
            "LUBELSKIE",
            "lubelski",
            "Konopnica",
            "P",
            "6",
        )
    ],
    "7792458131": [
        Unit(
            "382917461",
            "<script>alert('GUS')</script> ZAKŁAD <b>USŁUG</b> \"ŁĄCZNOŚĆ\" & SYN",
            "ul. Głogowska",
            "15",
            "",
            "60-702",
            "Poznań",
            "WIELKOPOLSKIE",
            "m. Poznań",
            "Poznań-Grunwald",
            "P",
            "6",
        )
    ],
    ERROR_NIP: [
        Unit(
            "243156870",
            "KANCELARIA PODATKOWA RACHUNEK SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            "ul. Warszawska",
            "30",
            "4",
            "40-008",
            "Katowice",
            "ŚLĄSKIE",
            "m. Katowice",
            "Katowice",
            "P",
            "6",
        )
    ],
    DELAY_NIP: [
        Unit(
            "812453799",
            "STOCZNIOWE USŁUGI SPAWALNICZE KRZYSZTOF ZIELIŃSKI",
            "ul. Bytomska",
            "7",
            "",
            "70-603",
            "Szczecin",
            "ZACHODNIOPOMORSKIE",
            "m. Szczecin",
            "Szczecin",
            "F",
            "1",
        )
    ],
}

# Values in this company's rows come padded, as GUS has been seen to send them.
PADDED_NIPS = {"5213379026"}


def company_units(nip: str) -> list[Unit]:
    """The rows the emulator holds for a NIP, generated ones included."""
    if nip in COMPANIES:
        return COMPANIES[nip]
    if nip.startswith(GENERATED_PREFIX) and nip not in SPECIAL_NIPS:
        return [_generated_unit(nip)]
    return []


def _generated_unit(nip: str) -> Unit:
    return Unit(
        regon=nip[1:9] + regon_check_digit(nip[1:9]),
        name=f"FIRMA TESTOWA {nip} SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
        street="ul. Testowa",
        building=str(int(nip[3:6]) + 1),
        unit="",
        postal_code="00-950",
        city="Warszawa",
        voivodeship="MAZOWIECKIE",
        county="m. st. Warszawa",
        commune="Śródmieście",
        kind="P",
        silo="6",
    )


SPECIAL_NIPS = {
    ERROR_NIP,
    DELAY_NIP,
    MAINTENANCE_NIP,
    GARBAGE_NIP,
    DROPPED_NIP,
    NOT_FOUND_NIP,
}


class _Fault(Exception):
    def __init__(self, code: str, subcode: str | None, reason: str, status=500):
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.status = status


@bp.get("/wsBIR/wsdl/UslugaBIRzewnPubl-ver11-test.wsdl")
def wsdl():
    """The shipped WSDL, with this emulator as the service address."""
    _count("WSDL")
    text = WSDL_PATH.read_text(encoding="utf-8")
    address = url_for(".service", _external=True)
    text = text.replace(
        "https://wyszukiwarkaregon.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc", address
    )
    return Response(text, content_type="text/xml; charset=utf-8")


@bp.post("/wsBIR/UslugaBIRzewnPubl.svc")
def service():
    if not request.mimetype == "application/soap+xml":
        return Response(
            "Cannot process the message because the content type "
            f"'{request.content_type}' was not the expected type "
            "'application/soap+xml; charset=utf-8'.",
            status=415,
            content_type="text/plain",
        )
    try:
        operation, body = _read_envelope(request.get_data())
        _count(operation)
        return _dispatch(operation, body)
    except _Fault as fault:
        return _fault_response(fault)


@bp.get("/_stats")
def stats():
    store = _store()
    names = [*OPERATIONS, "WSDL"]
    counts = {name: int(store.get(_count_key(name)) or 0) for name in names}
    counts["total"] = sum(counts.values())
    return counts


@bp.post("/_sessions/expire")
def expire_sessions():
    """End every session at once, as GUS does after a restart."""
    _store().set("gus-emulator:generation", uuid.uuid4().hex)
    return {"expired": True}


def _read_envelope(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        envelope = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise _Fault("Sender", None, "The message is not well-formed XML.") from error
    if envelope.tag != f"{{{SOAP12}}}Envelope":
        raise _Fault("VersionMismatch", None, "Expected a SOAP 1.2 envelope.")

    action = envelope.findtext(f"{{{SOAP12}}}Header/{{{WSA}}}Action")
    to = envelope.findtext(f"{{{SOAP12}}}Header/{{{WSA}}}To")
    if not action:
        raise _Fault(
            "Sender",
            "a:MessageAddressingHeaderRequired",
            "A required header representing a Message Addressing Property is "
            "not present: Action",
        )
    if action.strip() not in ACTIONS:
        raise _Fault(
            "Sender",
            "a:ActionNotSupported",
            f"The message with Action '{action}' cannot be processed at the receiver.",
        )
    if not to or not _addressed_here(to.strip()):
        raise _Fault(
            "Sender",
            "a:DestinationUnreachable",
            f"The message with To '{to}' cannot be processed at the receiver.",
        )

    namespace, operation = ACTIONS[action.strip()]
    body = envelope.find(f"{{{SOAP12}}}Body")
    element = body[0] if body is not None and len(body) else None
    if element is None or element.tag != f"{{{namespace}}}{operation}":
        raise _Fault("Sender", None, "The body does not match the Action.")
    return operation, element


def _addressed_here(to: str) -> bool:
    target = urlsplit(to)
    return target.netloc == request.host and target.path == request.path


def _dispatch(operation: str, body) -> Response:
    if operation == "Zaloguj":
        return _result(operation, PUBL, _login(_param(body, PUBL, "pKluczUzytkownika")))
    if operation == "Wyloguj":
        _session_end(_param(body, PUBL, "pIdentyfikatorSesji"))
        return _result(operation, PUBL, "true")
    if operation == "GetValue":
        return _result(operation, BIR, _get_value(_param(body, BIR, "pNazwaParametru")))
    if operation == "DaneSzukajPodmioty":
        return _search(body)
    return _reports(operation)


def _param(body, namespace: str, name: str) -> str:
    return (body.findtext(f"{{{namespace}}}{name}") or "").strip()


def _login(key: str) -> str:
    accepted = {TEST_KEY, current_app.config.get("GUS_API_KEY") or TEST_KEY}
    if key not in accepted:
        return ""
    alphabet = string.ascii_lowercase + string.digits
    sid = "".join(secrets.choice(alphabet) for _ in range(20))
    _session_save(sid, "0")
    return sid


def _get_value(name: str) -> str:
    if name == "StanDanych":
        return DATA_DATE
    if name == "StatusUslugi":
        return "1"
    if name == "KomunikatUslugi":
        return ""

    code = _session_code()
    if name == "StatusSesji":
        return "0" if code is None else "1"
    if name == "KomunikatKod":
        return "7" if code is None else code
    if name == "KomunikatTresc":
        return _MESSAGES.get("7" if code is None else code, "")
    return ""


_MESSAGES = {
    "0": "",
    "2": "Do metody DaneSzukaj przekazano zbyt wiele identyfikatorów.",
    "4": "Nie znaleziono podmiotów.",
    "5": "Brak uprawnień do raportu.",
    "7": "Brak sesji. Sesja wygasła lub przekazano nieprawidłową wartość nagłówka sid.",
}


def _search(body) -> Response:
    sid = _valid_sid()
    if sid is None:
        return _result("DaneSzukajPodmioty", PUBL, None)

    parameters = body.find(f"{{{PUBL}}}pParametryWyszukiwania")
    nip = "" if parameters is None else _param(parameters, DATA_CONTRACT, "Nip")
    misbehaviour = _misbehave(nip)
    if misbehaviour is not None:
        return misbehaviour

    units = company_units(nip)
    if nip == NOT_FOUND_NIP:
        _session_save(sid, "4")
        return _result("DaneSzukajPodmioty", PUBL, _not_found_document(nip))
    if not units:
        _session_save(sid, "4")
        return _result("DaneSzukajPodmioty", PUBL, None)
    _session_save(sid, "0")
    return _result("DaneSzukajPodmioty", PUBL, _search_document(nip, units))


def _misbehave(nip: str) -> Response | None:
    if nip == ERROR_NIP:
        raise _Fault(
            "Receiver",
            "a:InternalServiceFault",
            "The server was unable to process the request due to an internal error.",
        )
    if nip == DELAY_NIP:
        time.sleep(current_app.config.get("GUS_SANDBOX_DELAY_SECONDS", 10))
        return None
    if nip == MAINTENANCE_NIP:
        return Response(MAINTENANCE_PAGE, content_type="text/html; charset=utf-8")
    if nip == GARBAGE_NIP:
        return Response(
            b"\x00\x17\xfe<s:Envelope <<< \xff", content_type="application/soap+xml"
        )
    if nip == DROPPED_NIP:
        _drop_connection()
    return None


def _drop_connection() -> None:
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)
        connection.close()
    # Under a server that hides the socket, an answer cut short is the
    # closest equivalent.
    raise _Dropped()


class _Dropped(Exception):
    pass


@bp.errorhandler(_Dropped)
def _dropped(_error):
    return Response(b"--uuid:", status=200, headers={"Content-Length": "4096"})


MAINTENANCE_PAGE = """<!DOCTYPE html>
<html lang="pl"><head><meta charset="utf-8">
<title>Przerwa techniczna</title></head>
<body><h1>Przerwa techniczna</h1>
<p>Trwają prace serwisowe. Usługa BIR będzie dostępna wkrótce.<br>
Przepraszamy za utrudnienia.</p></body></html>"""


def _search_document(nip: str, units: list[Unit]) -> str:
    pad = (lambda value: f" {value}  ") if nip in PADDED_NIPS else (lambda v: v)
    rows = []
    for unit in units:
        values = [
            ("Regon", unit.regon),
            ("Nip", nip),
            ("StatusNip", ""),
            ("Nazwa", unit.name),
            ("Wojewodztwo", unit.voivodeship),
            ("Powiat", unit.county),
            ("Gmina", unit.commune),
            ("Miejscowosc", unit.city),
            ("KodPocztowy", unit.postal_code),
            ("Ulica", unit.street),
            ("NrNieruchomosci", unit.building),
            ("NrLokalu", unit.unit),
            ("Typ", unit.kind),
            ("SilosID", unit.silo),
            ("DataZakonczeniaDzialalnosci", unit.ended),
            ("MiejscowoscPoczty", unit.city),
        ]
        rows.append(
            "  <dane>\r\n"
            + "".join(
                _element(tag, pad(value) if value else "") for tag, value in values
            )
            + "  </dane>\r\n"
        )
    return "<root>\r\n" + "".join(rows) + "</root>"


def _not_found_document(nip: str) -> str:
    return (
        "<root>\r\n  <dane>\r\n"
        + _element("ErrorCode", "4")
        + _element(
            "ErrorMessagePl",
            "Nie znaleziono podmiotu dla podanych kryteriów wyszukiwania.",
        )
        + _element("ErrorMessageEn", "No data found for the specified search criteria.")
        + _element("Nip", nip)
        + "  </dane>\r\n</root>"
    )


def _element(tag: str, value: str) -> str:
    if not value:
        return f"    <{tag} />\r\n"
    return f"    <{tag}>{escape(value)}</{tag}>\r\n"


def _reports(operation: str) -> Response:
    sid = _valid_sid()
    if sid is not None:
        _session_save(sid, "5")
    return _result(operation, PUBL, None)


def _result(operation: str, namespace: str, value: str | None) -> Response:
    inner = (
        f"<{operation}Result />"
        if value is None
        else f"<{operation}Result>{escape(value)}</{operation}Result>"
    )
    action = _response_action(operation)
    body = f'<{operation}Response xmlns="{namespace}">{inner}</{operation}Response>'
    return _mtom(_envelope(action, body), status=200)


def _response_action(operation: str) -> str:
    for action, (_, name) in ACTIONS.items():
        if name == operation:
            return action + "Response"
    raise KeyError(operation)


def _fault_response(fault: _Fault) -> Response:
    subcode = (
        f"<s:Subcode><s:Value>{fault.subcode}</s:Value></s:Subcode>"
        if fault.subcode
        else ""
    )
    body = (
        f"<s:Fault><s:Code><s:Value>s:{fault.code}</s:Value>{subcode}</s:Code>"
        f'<s:Reason><s:Text xml:lang="pl-PL">{escape(fault.reason)}</s:Text>'
        "</s:Reason></s:Fault>"
    )
    return _mtom(_envelope(f"{WSA}/soap/fault", body), status=fault.status)


def _envelope(action: str, body: str) -> str:
    return (
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:a="{WSA}">'
        f'<s:Header><a:Action s:mustUnderstand="1">{action}</a:Action></s:Header>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    )


def _mtom(envelope: str, status: int) -> Response:
    boundary = f"uuid:{uuid.uuid4()}+id=1"
    payload = (
        f"--{boundary}\r\n"
        "Content-ID: <http://tempuri.org/0>\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        'Content-Type: application/xop+xml;charset=utf-8;type="application/soap+xml"'
        f"\r\n\r\n{envelope}\r\n--{boundary}--\r\n"
    )
    content_type = (
        'multipart/related; type="application/xop+xml";'
        'start="<http://tempuri.org/0>";'
        f'boundary="{boundary}";start-info="application/soap+xml"'
    )
    return Response(payload.encode("utf-8"), status=status, content_type=content_type)


def _store():
    return current_app.extensions["betterfly.store"]


def _session_key(sid: str) -> str:
    return f"gus-emulator:session:{sid}"


def _session_save(sid: str, last_code: str) -> None:
    generation = _store().get("gus-emulator:generation") or ""
    ttl = current_app.config.get("GUS_SANDBOX_SESSION_SECONDS", 3600)
    _store().set(_session_key(sid), f"{generation} {last_code}", ttl)


def _session_end(sid: str) -> None:
    _store().delete(_session_key(sid))


def _valid_sid() -> str | None:
    sid = request.headers.get("sid", "").strip()
    if not sid:
        return None
    return sid if _session_code_of(sid) is not None else None


def _session_code() -> str | None:
    sid = request.headers.get("sid", "").strip()
    return _session_code_of(sid) if sid else None


def _session_code_of(sid: str) -> str | None:
    stored = _store().get(_session_key(sid))
    if stored is None:
        return None
    generation, _, code = stored.rpartition(" ")
    if generation != (_store().get("gus-emulator:generation") or ""):
        return None
    return code


def _count(operation: str) -> None:
    _store().incr(_count_key(operation), STATS_TTL_SECONDS)


def _count_key(operation: str) -> str:
    return f"gus-emulator:count:{operation}"
