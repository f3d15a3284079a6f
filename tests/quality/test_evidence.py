"""Evidence files: type and size validated by content, stored outside the web root under a
random name, readable only by the organisation that made the check (and its LA's oversight)."""

import io
import stat
import zipfile
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from aptrack.quality import services
from aptrack.quality.models import EvidenceFile

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _check(world, actor):
    return services.check_record(actor=actor, provider=world.ap, kind="insurance",
                                 outcome="met", checked_on=date(2025, 9, 1))


def test_valid_files_are_stored_privately(world, school_dsl, evidence_dir):
    check = _check(world, school_dsl)
    pdf = services.evidence_attach(actor=school_dsl, check=check,
                                   upload=SimpleUploadedFile("../../policy.pdf", PDF))
    docx = services.evidence_attach(actor=school_dsl, check=check,
                                    upload=SimpleUploadedFile("Cert.DOCX", _docx()))
    assert pdf.original_name == "policy.pdf" and pdf.content_type == "application/pdf"
    assert docx.content_type.endswith("wordprocessingml.document")
    path = evidence_dir / pdf.stored_name
    assert path.read_bytes() == PDF and len(pdf.stored_name) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    static_roots = [str(d) for d in django_settings.STATICFILES_DIRS]
    assert not any(str(path).startswith(root) for root in static_roots)


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("policy.pdf", b"MZ\x90\x00 not a pdf", "is not really a .pdf file"),
    ("photo.png", PDF, "is not really a .png file"),
    ("cert.docx", b"PK\x03\x04 broken zip", "is not really a .docx file"),
    ("run.exe", b"MZ\x90\x00", "must be a PDF, PNG, JPEG"),
    ("noextension", PDF, "must be a PDF, PNG, JPEG"),
    ("empty.pdf", b"", "is empty"),
])
def test_wrong_type_or_empty_files_are_refused(world, school_dsl, evidence_dir, name, data,
                                               reason):
    check = _check(world, school_dsl)
    with pytest.raises(ValidationError, match=reason):
        services.evidence_attach(actor=school_dsl, check=check,
                                 upload=SimpleUploadedFile(name, data))
    assert not EvidenceFile.objects.exists()
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


def test_too_large_files_are_refused(world, school_dsl, settings):
    settings.QUALITY = {**settings.QUALITY, "EVIDENCE_MAX_BYTES": 2**20}
    check = _check(world, school_dsl)
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.evidence_attach(actor=school_dsl, check=check,
                                 upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 2**20))


def test_only_the_checking_organisation_attaches_evidence(world, school_dsl, other_school_dsl,
                                                          la_officer):
    check = _check(world, school_dsl)
    for outsider in (other_school_dsl, la_officer):
        with pytest.raises(type(check).DoesNotExist):
            services.evidence_attach(actor=outsider, check=check,
                                     upload=SimpleUploadedFile("a.pdf", PDF))
