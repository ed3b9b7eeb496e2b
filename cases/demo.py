"""Fictional demo cases, loaded by ``samstyring load-demo`` after the people and logins.

Three cases through the services (so the history shows them): one with an open input round for
all members (Bergen has submitted, Oslo has a draft) on its way to KommIT-rådet and
Hovedstyret; one decided, whose closed round has twelve inputs grouped by theme, a synthesis
citing them, a position and a decision; and one exempted under offentleglova § 14. KommIT-rådet
has a coming meeting with the open case on its agenda.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.access import SYSTEM
from register.models import Organisation
from structure.models import Body

from . import services
from .models import CaseStatus, CaseType, StepPurpose

OPEN_QUESTIONS = ["Hvilke behov har kommunen for en felles plattform for digital post?",
                  "Hva vil det koste kommunen å ta den i bruk?"]
SAKSFRAMLEGG = """Saksframlegg (demo)

Bakgrunn: Kommunene sender i dag digital post gjennom flere løsninger.
Forslag: Sektoren samler seg om én felles plattform for digital post.
Spørsmål til medlemmene: behov, kostnader og tidsplan for overgang.
"""
CLOSED_INPUTS = [
    ("0301", "Forsendelser via SvarUt sparer porto; digital post til innbyggerne bør utvides."),
    ("4601", "Vi sender de fleste forsendelsene digitalt og ønsker flere forsendelsestyper."),
    ("5001", "Digital post og SvarUt har gitt færre papirbrev og lavere portokostnader."),
    ("1103", "Forsendelsene fra fagsystemene bør gå gjennom SvarUt som digital post."),
    ("3201", "Personvernet må sikres med databehandleravtale før løsningen tas i bruk."),
    ("1506", "Informasjonssikkerhet og personvern: vi trenger felles databehandleravtale."),
    ("1804", "Personvernkonsekvenser må vurderes, og databehandleravtalen bør være felles."),
    ("3403", "Databehandleravtaler og risikovurdering av personvern tar mye tid for små kommuner."),
    ("4204", "Finansieringen er uklar; budsjettet vårt har ikke rom for nye kostnader."),
    ("5501", "Kostnadene bør fordeles etter innbyggertall, og finansieringen avklares tidlig."),
    ("3907", "Budsjett og finansiering: små kommuner trenger statlig medfinansiering."),
    ("1108", "Kostnader til innføring og drift må med i budsjettet for neste år."),
]


def _body(slug: str) -> Body | None:
    return Body.objects.filter(slug=slug).first()


def _path(case, steps) -> list:
    return [services.step_create(actor=SYSTEM, case=case, data={
        "body": body, "purpose": purpose, "planned_date": planned, "description": description})
        for body, purpose, planned, description in steps]


def load() -> None:
    kommit, du, hovedstyret = _body("kommit-radet"), _body("digitaliseringsutvalget"), \
        _body("hovedstyret")
    if not (kommit and du and hovedstyret):
        return
    today = timezone.localdate()
    now = timezone.now()
    open_case = services.case_create(actor=SYSTEM, data={
        "title": "Felles plattform for digital post til innbyggere (demo)",
        "summary": "Skal kommunesektoren stå samlet bak en felles plattform for digital post? "
                   "Saken forankres i regionale nettverk, Digitaliseringsutvalget, KommIT-rådet "
                   "og Hovedstyret.",
        "case_type": CaseType.POSITION, "owner": kommit}, topics=["digital post"])
    services.case_transition(actor=SYSTEM, case=open_case, to=CaseStatus.ANNOUNCED)
    services.case_transition(actor=SYSTEM, case=open_case, to=CaseStatus.IN_PROGRESS)
    services.document_add(actor=SYSTEM, case=open_case, title="Saksframlegg (demo)",
                          upload=SimpleUploadedFile("saksframlegg.txt", SAKSFRAMLEGG.encode()))
    steps = _path(open_case, [
        (du, StepPurpose.INPUT, today + datetime.timedelta(days=14), "Innspill fra medlemmene"),
        (du, StepPurpose.PREPARATION, today + datetime.timedelta(days=30), "Forberedes"),
        (kommit, StepPurpose.POSITION, today + datetime.timedelta(days=45), "Standpunkt"),
        (hovedstyret, StepPurpose.DECISION, today + datetime.timedelta(days=75), "Vedtak")])
    round_ = services.round_create(actor=SYSTEM, step=steps[0], questions=OPEN_QUESTIONS, data={
        "title": "Innspill: felles plattform for digital post (demo)",
        "opens_at": now - datetime.timedelta(days=3),
        "closes_at": now + datetime.timedelta(days=14)})
    oslo = Organisation.objects.filter(number="0301", kind="municipality").first()
    bergen = Organisation.objects.filter(number="4601", kind="municipality").first()
    questions = [str(q.pk) for q in round_.questions.all()]
    if bergen:
        services.input_submit(actor=SYSTEM, round_=round_, organisation=bergen, answers={
            questions[0]: "Bergen ønsker én plattform for all digital post.",
            questions[1]: "Om lag 0,5 årsverk til innføring."}, idempotency_key="demo-bergen")
    if oslo:
        services.input_save_draft(actor=SYSTEM, round_=round_, organisation=oslo, answers={
            questions[0]: "Utkast: Oslo vil ha integrasjon mot fagsystemene."})
    meeting = services.meeting_create(actor=SYSTEM, body=kommit, data={
        "title": "KommIT-rådet, møte (demo)",
        "starts_at": now + datetime.timedelta(days=45), "ends_at": now + datetime.timedelta(
            days=45, hours=4), "place": "KS-huset, Haakon VIIs gate 9, Oslo"})
    services.agenda_item_save(actor=SYSTEM, meeting=meeting, data={"case": open_case,
                                                                   "title": open_case.title})
    _decided_case(du, kommit, hovedstyret, now)
    exempt = services.case_create(actor=SYSTEM, data={
        "title": "Forhandlinger om felles avtale med leverandør (demo)",
        "summary": "Forhandlingsposisjonen er unntatt offentlighet.",
        "case_type": CaseType.OTHER, "owner": kommit, "exempt": True,
        "exemption_basis": "offl-23"})
    services.case_transition(actor=SYSTEM, case=exempt, to=CaseStatus.ANNOUNCED)
    services.document_add(actor=SYSTEM, case=exempt, title="Forhandlingsnotat (demo)",
                          upload=SimpleUploadedFile("notat.txt", b"Unntatt offentlighet.\n"))


def _decided_case(du, kommit, hovedstyret, now) -> None:
    case = services.case_create(actor=SYSTEM, data={
        "title": "Sektorens innspill til nasjonal løsning for digital post (demo)",
        "summary": "Innspill om SvarUt, personvern og finansiering av digital post.",
        "case_type": CaseType.CONSULTATION, "owner": kommit}, topics=["digital post"])
    services.case_transition(actor=SYSTEM, case=case, to=CaseStatus.ANNOUNCED)
    services.case_transition(actor=SYSTEM, case=case, to=CaseStatus.IN_PROGRESS)
    today = timezone.localdate()
    steps = _path(case, [
        (du, StepPurpose.INPUT, today - datetime.timedelta(days=40), "Innspill"),
        (kommit, StepPurpose.POSITION, today - datetime.timedelta(days=20), "Standpunkt"),
        (hovedstyret, StepPurpose.DECISION, today - datetime.timedelta(days=10), "Vedtak")])
    round_ = services.round_create(actor=SYSTEM, step=steps[0], questions=[
        "Hva mener kommunen om en nasjonal løsning for digital post?"], data={
        "title": "Innspill: nasjonal løsning for digital post (demo)",
        "opens_at": now - datetime.timedelta(days=60), "closes_at": now + datetime.timedelta(
            days=1)})
    question = str(round_.questions.get().pk)
    inputs = []
    for number, text in CLOSED_INPUTS:
        organisation = Organisation.objects.filter(number=number).members().first()
        if organisation is not None:
            version, _created = services.input_submit(
                actor=SYSTEM, round_=round_, organisation=organisation,
                answers={question: text}, idempotency_key=f"demo-{number}")
            inputs.append(version.input)
    services.round_update(actor=SYSTEM, round_=round_, data={
        "closes_at": now - datetime.timedelta(days=35)})
    services.round_themes_compute(actor=SYSTEM, round_=round_)
    for theme in round_.themes:
        cited = [i for i in inputs if i.pk in theme["inputs"]]
        if theme["terms"] and cited:
            services.synthesis_point_save(actor=SYSTEM, round_=round_, cited=cited, text=(
                "Medlemmene er opptatt av " + ", ".join(theme["terms"][:3]) + "."))
    services.resolution_record(actor=SYSTEM, step=steps[1], kind="position",
                               text="KommIT-rådet støtter en nasjonal løsning bygget på SvarUt, "
                                    "med felles databehandleravtale.",
                               decided_on=today - datetime.timedelta(days=20), considered=inputs)
    services.resolution_record(actor=SYSTEM, step=steps[2], kind="decision",
                               text="Hovedstyret slutter seg til KommIT-rådets standpunkt.",
                               decided_on=today - datetime.timedelta(days=10))
