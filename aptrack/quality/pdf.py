"""The notice to a parent of an off-site direction, as a PDF (reportlab).

Contents the Education (Educational Provision for Improving Behaviour) Regulations 2010
reg 3 (as amended 2012) require: the address of the provision, a person to contact there, the
first day and the number of days, the session times, the reasons and the objectives of the
direction, and the parent's right to ask for a review (reg 4A) [law]. ``text_of`` gives the
same words as plain paragraphs (what the PDF prints, and what tests read).
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape  # noqa: S406 - escaping our own text, not parsing XML

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer


def _paragraphs(notice: Any) -> list[tuple[str, str]]:
    placement = notice.placement
    school = placement.commissioning_establishment or placement.home_school
    site = placement.site or placement.provider.sites.filter(is_main=True).first()
    address = (f"{placement.provider}, {site.address.replace(chr(10), ', ')}, {site.postcode}"
               if site else str(placement.provider))
    agreement = getattr(placement, "agreement", None)
    objectives = ([f"{o.description} (target: {o.target})" for o in agreement.objectives.all()]
                  if agreement else [])
    lines = [
        ("title", "Notice of a direction to attend off-site provision"),
        ("body", f"To {notice.parent_name}"),
        ("body", f"From {school}. Date of this notice: {notice.given_on:%A %-d %B %Y}."),
        ("body", f"The governing board of {school} requires your child, "
                 f"{placement.learner.full_name}, to attend education away from the school "
                 "to improve their behaviour (Education Act 2002 section 29A)."),
        ("heading", "Where and when"),
        ("body", f"Address: {address}"),
        ("body", f"Person to contact there: {notice.contact}"),
        ("body", f"First day: {notice.first_day:%A %-d %B %Y}. The direction lasts "
                 f"{notice.number_of_days} school days."),
        ("body", f"Session times: {notice.session_times}"),
        ("heading", "Why"),
        ("body", notice.reasons),
        ("heading", "What the placement is for"),
        *[("body", f"• {o}") for o in objectives],
        ("heading", "Your right to ask for a review"),
        ("body", "You may ask the governing board at any time to review this direction. It "
                 "must hold a review meeting unless it held one in the previous 10 weeks "
                 "(Education (Educational Provision for Improving Behaviour) Regulations 2010, "
                 "regulation 4A)."),
    ]
    if placement.learner.sen_provision == "E":
        lines.append(("body", "Because your child has an EHC plan, the local authority has "
                              "been told of this direction."))
    return lines


def text_of(notice: Any) -> str:
    """The notice's words as plain text, one paragraph a line."""
    return "\n".join(text for _, text in _paragraphs(notice))


def off_site_notice(notice: Any) -> bytes:
    """The notice as a tagged-title A4 PDF."""
    styles = getSampleStyleSheet()
    style = {"title": styles["Title"], "heading": styles["Heading2"], "body": styles["BodyText"]}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            title="Notice of a direction to attend off-site provision",
                            author="AP Track", lang="en-GB")
    story: list[Any] = []
    for kind, text in _paragraphs(notice):
        story.append(Paragraph(escape(text), style[kind]))
        if kind == "title":
            story.append(Spacer(1, 4 * mm))
    doc.build(story)
    return buffer.getvalue()
