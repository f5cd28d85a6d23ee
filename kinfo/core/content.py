"""What the article says about itself: sections, sources, review date, content version, clinic details.

The article's words live in templates/public/article/_body.html as translatable paragraphs; this module holds the
structure that other pages (table of contents, self-check links, handouts) refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from .crisis import lines_for
from .i18n import current_language

# Bump CONTENT_VERSION whenever the article's meaning changes; LAST_REVIEWED is when it was last checked
# line by line against its sources.
CONTENT_VERSION = "1.1"
LAST_REVIEWED = date(2026, 12, 3)


@dataclass(frozen=True)
class Section:
    """An article section: a stable id for links and its translated heading."""

    id: str
    heading: object  # a lazy string


SECTIONS: tuple[Section, ...] = (
    Section("what-it-is", _l("What is ketamine infusion therapy?")),
    Section("contents", _l("What this page covers")),
    Section("how-it-works", _l("How does it work for depression and anxiety?")),
    Section("who-it-is-for", _l("Who is it for?")),
    Section("approval", _l("Is it approved for depression?")),
    Section("how-well-it-works", _l("How well does it work?")),
    Section("safety", _l("Is it safe?")),
    Section("side-effects", _l("What does an infusion feel like? What are the side effects?")),
    Section("who-should-not", _l("Who should not have it?")),
    Section("before-your-visit", _l("Before your first infusion")),
    Section("compared", _l("Does it work better than talk therapy or daily medicine?")),
    Section("summary", _l("Summary")),
    Section("sources", _l("Sources")),
)
SECTION_BY_ID = {section.id: section for section in SECTIONS}


@dataclass(frozen=True)
class Source:
    """A source the article relies on. Titles stay in their original language (English). ``details`` holds
    what a reader needs to find it in print (authors, journal), shown in the list of sources only: the
    article's sentences point to a source by its number."""

    id: str
    publisher: str
    title: str
    url: str
    details: str = ""


# The article cites these by number, in this order (templates/public/article/_body.html, ``note``).
SOURCES: tuple[Source, ...] = (
    Source("yale", "Yale Medicine", "Ketamine for depression",
           "https://www.yalemedicine.org/news/ketamine-for-depression"),
    Source("mayo-press", "Mayo Clinic Press", "Ketamine for depression: What you need to know",
           "https://mcpress.mayoclinic.org/mental-health/ketamine-for-depression-what-you-need-to-know/"),
    Source("mayo-g2k", "Mayo Clinic",
           "Intravenous Ketamine for Treatment-Resistant Depression (G2K), clinical trial NCT06668571",
           "https://clinicaltrials.gov/study/NCT06668571"),
    Source("apa", "American Psychiatric Association",
           "A Consensus Statement on the Use of Ketamine in the Treatment of Mood Disorders",
           "https://doi.org/10.1001/jamapsychiatry.2017.0080",
           "Sanacora G. et al., JAMA Psychiatry 2017;74(4):399-405"),
    Source("fda-ketamine", "U.S. Food and Drug Administration",
           "FDA warns patients and health care providers about potential risks associated with compounded "
           "ketamine products, including oral formulations, for the treatment of psychiatric disorders",
           "https://www.fda.gov/drugs/human-drug-compounding/fda-warns-patients-and-health-care-providers-about-"
           "potential-risks-associated-compounded-ketamine",
           "October 10, 2023"),
    Source("fda-esketamine", "U.S. Food and Drug Administration",
           "FDA approves new nasal spray medication for treatment-resistant depression; available only at a "
           "certified doctor's office or clinic",
           "https://www.fda.gov/news-events/press-announcements/fda-approves-new-nasal-spray-medication-"
           "treatment-resistant-depression-available-only-certified",
           "March 5, 2019"),
    Source("nida", "National Institute on Drug Abuse (NIH)", "Commonly Used Drugs Charts: Ketamine",
           "https://nida.nih.gov/research-topics/commonly-used-drugs-charts"),
)
SOURCE_NUMBER = {source.id: number for number, source in enumerate(SOURCES, start=1)}


def clinic() -> dict:
    """The clinic's contact details and the crisis lines for its region, from settings."""
    config = current_app.config
    return {
        "name": config["CLINIC_NAME"],
        "phone": config["CLINIC_PHONE"],
        "address": config["CLINIC_ADDRESS"],
        "crisis_lines": lines_for(config, current_language().url_tag),
        "crisis_checked_on": date.fromisoformat(config["CRISIS_CHECKED_ON"]),
    }


def tel_uri(number: str) -> str:
    """A ``tel:`` link target for a phone number as people write it (``+1 555 0100`` → ``tel:+15550100``)."""
    return "tel:" + "".join(ch for ch in number if ch.isdigit() or ch == "+")


def init_app(app) -> None:
    """Give every template the clinic, the sections, the sources and the content's version and date."""

    @app.context_processor
    def _content_context():
        return {
            "clinic": clinic(),
            "sections": SECTIONS,
            "section_by_id": SECTION_BY_ID,
            "sources": SOURCES,
            "source_number": SOURCE_NUMBER,
            "content_version": CONTENT_VERSION,
            "last_reviewed": LAST_REVIEWED,
        }

    app.jinja_env.filters["tel"] = tel_uri
