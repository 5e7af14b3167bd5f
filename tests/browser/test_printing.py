"""Printing in real Chromium: badge sheets, the join poster and paper ballots as A4 PDFs.

A facilitator signs in (the page in Khmer) and prints each page to PDF with ``page.pdf``, as
the browser's Print does. The PDF pages are counted and rendered to PNG with pypdfium2; every
badge's QR code is decoded with zxing-cpp, as a phone would, and the link it carries signs in
that attendee; the printed QR codes are measured (badge ≥ 3 cm, poster ≥ 12 cm, as the camera
of a phone a metre away needs). The first badge sheet, the poster and the first ballot page go
to docs/screenshots/ (badges-km-a4.png, poster-km-a4.png, ballot-km-a4.png).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp

from consult.access import PARTICIPANT_SESSION_KEY
from consult.accounts.models import Role
from consult.agenda.models import ItemKind
from consult.extensions import db
from tests.browser.conftest import SCREENSHOTS, opened, sign_in

pytestmark = pytest.mark.browser

PUBLIC = "http://192.0.2.10:8000"  # the test apps' PUBLIC_URL: what the QR codes carry
#: Pixels per PDF point when rendering (150 dpi): enough for zxing, small enough to commit.
SCALE = 150 / 72
MM = 72 / 25.4  # PDF points per millimetre
A4 = (595.28, 841.89)
A3 = (841.89, 1190.55)
NAMES = [("សុខ ចាន់ថា", "Sok Chantha"), ("ចាន់ សុភ័ក្ត្រ", "Chan Sopheak"),
         ("ហេង ស្រីនិច្ច", "Heng Sreynich"), ("គឹម សុវណ្ណារ៉ា", "Kim Sovannara"),
         ("ឡុង ពិសិដ្ឋ", "Long Piseth"), ("ម៉ៅ ស្រីល័ក្ខ", "Mao Sreyleak"),
         ("", "Dr. Jane Doe-Smith"), ("ញឹម វិចិត្រ", ""),
         ("ទេព សម្បត្តិ", "Tep Sambath"), ("អ៊ុំ ច័ន្ទមុនី", "Oum Chanmony")]
ORGS = ["ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍", "បណ្ឌិត្យសភាបច្ចេកវិទ្យាឌីជីថលកម្ពុជា",
        "UNESCO Phnom Penh Office", ""]


@pytest.fixture
def workshop(make):
    """A live event in Khmer and English with ten badges and a round of every kind."""
    event = make.event(
        title_km="សិក្ខាសាលាបញ្ជាក់សុពលភាពថ្នាក់ជាតិស្តីពីភាពត្រៀមខ្លួនសម្រាប់បញ្ញាសិប្បនិម្មិត",
        title_en="National validation workshop on AI readiness")
    section = make.section(event)
    round_ = make.round(event, title_km="ជុំទី១៖ លទ្ធផលរកឃើញ", title_en="Round 1: findings")
    options = [("a", "Data centres", "មជ្ឈមណ្ឌលទិន្នន័យ"),
               ("b", "AI literacy in schools", "អក្ខរកម្មអំពីបញ្ញាសិប្បនិម្មិតនៅក្នុងសាលារៀន"),
               ("c", "Khmer language models", "គំរូភាសាធំ (LLM) សម្រាប់ភាសាខ្មែរ")]
    prompts = {
        ItemKind.agreement: ("ក្របខណ្ឌច្បាប់បច្ចុប្បន្នមិនទាន់គ្រប់គ្រាន់សម្រាប់ការប្រើប្រាស់"
                             "បញ្ញាសិប្បនិម្មិតនៅក្នុងស្ថាប័នរដ្ឋ។",
                             "The current legal framework is not yet adequate for the use of "
                             "AI in state institutions."),
        ItemKind.priority: ("តើលោកអ្នកចាត់ទុកការបណ្តុះបណ្តាលមន្ត្រីរាជការជាអាទិភាពកម្រិតណា?",
                            "How high a priority is training civil servants?"),
        ItemKind.choice: ("តើវិនិយោគមួយណាគួរមកមុនគេ?", "Which investment should come first?"),
        ItemKind.multi: ("តើវិស័យណាខ្លះត្រូវការគាំទ្រ?", "Which areas need support?"),
        ItemKind.ranking: ("សូមរៀបលំដាប់អាទិភាពទាំងនេះ។", "Rank these priorities."),
        ItemKind.text: ("តើលោកអ្នកមានអនុសាសន៍អ្វីបន្ថែម?", "What else do you recommend?"),
    }
    for kind, (km, en) in prompts.items():
        make.item(event, section, round_, kind=kind, prompt_km=km, prompt_en=en,
                  options=options if kind in (ItemKind.choice, ItemKind.multi,
                                              ItemKind.ranking) else (),
                  allow_comment=kind != ItemKind.text)
    people = [make.participant(event, badge_number=str(n), display_name_km=km, display_name=en,
                               organisation=ORGS[n % len(ORGS)], profile_completed_at=None,
                               sector=None)
              for n, (km, en) in enumerate(NAMES, start=1)]
    make.user(Role.facilitator, username="facilitator")
    db.session.commit()
    return {"event": event, "round": round_, "people": people}


@pytest.fixture
def printed():
    """The PDF documents a test opened, closed after it."""
    documents: list[pdfium.PdfDocument] = []
    yield documents
    for document in documents:
        document.close()


def _pdf(page, url: str | None, printed: list, **options) -> pdfium.PdfDocument:
    """Print ``url`` (None: the page open) as the browser's Print does, fonts loaded first."""
    if url is not None:
        response = page.goto(url)
        assert response.status == 200, url
    assert page.locator("html").get_attribute("lang") == "km"
    page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer Consult\"', 'ក')")
    options.setdefault("format", "A4")
    printed.append(pdfium.PdfDocument(page.pdf(print_background=True, **options)))
    return printed[-1]


def _png(document, index: int, name: str | None = None):
    """Render one PDF page (PIL image); saved into docs/screenshots/ when named."""
    image = document[index].render(scale=SCALE).to_pil()
    if name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").save(SCREENSHOTS / name, optimize=True)
    return image


def _codes(image) -> list:
    return zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)


def _width_mm(code) -> float:
    """The printed width of a decoded QR code's symbol (finder pattern edge to edge)."""
    p = code.position
    return (max(p.top_right.x, p.bottom_right.x) - min(p.top_left.x, p.bottom_left.x)) / SCALE / MM


def _text(document, index: int) -> str:
    return document[index].get_textpage().get_text_range()


def test_badges_poster_and_ballots_print_on_a4(browser, live_server, app, workshop, printed):
    event, people = workshop["event"], workshop["people"]
    base = f"{live_server.url}/staff/events/{event.id}/print"
    with opened(browser, locale="km-KH", viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        sign_in(page, live_server.url, "facilitator")
        page.goto(base)
        assert page.locator(f"a[href='/staff/events/{event.id}/print']").count() == 0  # current
        assert page.locator("#badges form").count() == 1

        # Badges: ten attendees on two sheets, eight then two, every QR code readable. The
        # Print page's form posts (badges carry sign-in links: each printing is audited).
        with page.expect_navigation() as navigation:
            page.locator("#badges form button[type=submit]").click()
        assert navigation.value.status == 200
        assert urlsplit(page.url).path == f"/staff/events/{event.id}/print/badges"
        badges = _pdf(page, None, printed)
        assert len(badges) == 2
        assert _same_size(badges[0].get_size(), A4), badges[0].get_size()
        decoded = []
        for index, expected in ((0, 8), (1, 2)):
            codes = _codes(_png(badges, index, "badges-km-a4.png" if index == 0 else None))
            assert len(codes) == expected
            assert all(_width_mm(code) >= 30 for code in codes), [_width_mm(c) for c in codes]
            decoded += [code.text for code in codes]
        assert "សុខ ចាន់ថា" in _text(badges, 0) and "Sok Chantha" in _text(badges, 0)
        tokens = {person.token: person for person in people}
        assert sorted(decoded) == sorted(f"{PUBLIC}/r/{token}" for token in tokens)

        # Each decoded link, opened, signs in that attendee (the Flask client reaches the app
        # where a phone would reach the PUBLIC_URL; the browser opens one of them on loopback).
        for link in decoded:
            path = urlsplit(link).path
            client = app.test_client()
            response = client.get(path)
            assert response.status_code == 302
            assert response.headers["Location"] == f"/e/{event.join_code}/profile"
            with client.session_transaction() as session:
                assert tokens[session[PARTICIPANT_SESSION_KEY]].token == path.rsplit("/", 1)[1]
        phone = context.new_page()
        phone.goto(live_server.url + urlsplit(decoded[0]).path)
        assert urlsplit(phone.url).path == f"/e/{event.join_code}/profile"
        phone.close()

        # The join poster: one A4 page, its QR code at least 12 cm, the code in large letters.
        poster = _pdf(page, base + "/poster", printed)
        assert len(poster) == 1
        codes = _codes(_png(poster, 0, "poster-km-a4.png"))
        assert [code.text for code in codes] == [f"{PUBLIC}/j/{event.join_code}"]
        assert _width_mm(codes[0]) >= 120, _width_mm(codes[0])
        assert event.join_code in _text(poster, 0)
        poster_a3 = _pdf(page, base + "/poster?size=a3", printed, format=None,
                         prefer_css_page_size=True)
        assert len(poster_a3) == 1
        assert _same_size(poster_a3[0].get_size(), A3), poster_a3[0].get_size()
        big = _width_mm(_codes(_png(poster_a3, 0))[0])
        assert big >= 170, big

        # Paper ballots: three numbered copies, each starting on a new page.
        ballots = _pdf(page, base + f"/ballots?round={workshop['round'].id}&first=41&count=3",
                       printed)
        assert len(ballots) >= 3
        _png(ballots, 0, "ballot-km-a4.png")
        starts = [index for index in range(len(ballots)) if _starts_a_copy(_text(ballots, index))]
        assert len(starts) == 3 and len(ballots) % 3 == 0  # every copy as long as the others
        for copy, index in enumerate(starts):
            assert str(41 + copy) in _text(ballots, index)


def _starts_a_copy(text: str) -> bool:
    """Whether a page starts a ballot (its heading, beside the ballot number, is on it)."""
    return "Paper ballot" in text or "សន្លឹកឆ្នោតក្រដាស" in text


def _same_size(size, paper) -> bool:
    """Whether a PDF page's size is ``paper``'s, in points (Chromium rounds to inches/100)."""
    return all(abs(x - y) < 1.5 for x, y in zip(size, paper, strict=True))
