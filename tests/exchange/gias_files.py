"""Build synthetic GIAS "all establishment data" CSV files with the real header names.

The header is the published column list (139 columns, GIAS download); values are made up.
Files are written in Windows-1252, as GIAS publishes them.
"""

from __future__ import annotations

import csv
import io
from typing import Any

HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)", "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)", "ReasonEstablishmentOpened (name)", "OpenDate",
    "ReasonEstablishmentClosed (code)", "ReasonEstablishmentClosed (name)", "CloseDate",
    "PhaseOfEducation (code)", "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge",
    "Boarders (code)", "Boarders (name)", "NurseryProvision (name)", "OfficialSixthForm (code)",
    "OfficialSixthForm (name)", "Gender (code)", "Gender (name)", "ReligiousCharacter (code)",
    "ReligiousCharacter (name)", "ReligiousEthos (name)", "Diocese (code)", "Diocese (name)",
    "AdmissionsPolicy (code)", "AdmissionsPolicy (name)", "SchoolCapacity",
    "SpecialClasses (code)", "SpecialClasses (name)", "CensusDate", "NumberOfPupils",
    "NumberOfBoys", "NumberOfGirls", "PercentageFSM", "TrustSchoolFlag (code)",
    "TrustSchoolFlag (name)", "Trusts (code)", "Trusts (name)", "SchoolSponsorFlag (name)",
    "SchoolSponsors (name)", "FederationFlag (name)", "Federations (code)", "Federations (name)",
    "UKPRN", "FEHEIdentifier", "FurtherEducationType (name)", "OfstedLastInsp",
    "OfstedSpecialMeasures (code)", "OfstedSpecialMeasures (name)", "LastChangedDate", "Street",
    "Locality", "Address3", "Town", "County (name)", "Postcode", "SchoolWebsite", "TelephoneNum",
    "HeadTitle (name)", "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle",
    "BSOInspectorateName (name)", "InspectorateReport", "DateOfLastInspectionVisit",
    "NextInspectionVisit", "TeenMoth (name)", "TeenMothPlaces", "CCF (name)", "SENPRU (name)",
    "EBD (name)", "PlacesPRU", "FTProv (name)", "EdByOther (name)", "Section41Approved (name)",
    "SEN1 (name)", "SEN2 (name)", "SEN3 (name)", "SEN4 (name)", "SEN5 (name)", "SEN6 (name)",
    "SEN7 (name)", "SEN8 (name)", "SEN9 (name)", "SEN10 (name)", "SEN11 (name)", "SEN12 (name)",
    "SEN13 (name)", "TypeOfResourcedProvision (name)", "ResourcedProvisionOnRoll",
    "ResourcedProvisionCapacity", "SenUnitOnRoll", "SenUnitCapacity", "GOR (code)", "GOR (name)",
    "DistrictAdministrative (code)", "DistrictAdministrative (name)",
    "AdministrativeWard (code)", "AdministrativeWard (name)",
    "ParliamentaryConstituency (code)", "ParliamentaryConstituency (name)", "UrbanRural (code)",
    "UrbanRural (name)", "GSSLACode (name)", "Easting", "Northing",
    "CensusAreaStatisticWard (name)", "MSOA (name)", "LSOA (name)", "InspectorateName (name)",
    "SENStat", "SENNoStat", "BoardingEstablishment (name)", "PropsName", "PreviousLA (code)",
    "PreviousLA (name)", "PreviousEstablishmentNumber", "OfstedRating (name)",
    "RSCRegion (name)", "Country (name)", "UPRN", "SiteName", "QABName (code)",
    "QABName (name)", "EstablishmentAccredited (code)", "EstablishmentAccredited (name)",
    "QABReport", "CHNumber", "MSOA (code)", "LSOA (code)",
]

TYPE_NAMES = {"01": "Community school", "14": "Pupil referral unit",
              "34": "Academy converter", "42": "Academy alternative provision converter",
              "11": "Other independent school", "24": "Secure units"}
STATUS_NAMES = {"1": "Open", "2": "Closed", "3": "Open, but proposed to close",
                "4": "Proposed to open"}


def row(urn: int | str, *, la: str = "332", la_name: str = "Dudley", estab: str = "",
        name: str = "", type_code: str = "01", status: str = "1", phase: str = "4",
        low: Any = 11, high: Any = 16, **extra: Any) -> dict[str, Any]:
    """One establishment; ``extra`` sets any other column by its header name."""
    values: dict[str, Any] = {
        "URN": urn, "LA (code)": la, "LA (name)": la_name,
        "EstablishmentNumber": estab or f"{int(str(urn)[-4:]) % 10000:04d}",
        "EstablishmentName": name or f"School {urn}",
        "TypeOfEstablishment (code)": type_code,
        "TypeOfEstablishment (name)": TYPE_NAMES.get(type_code, "Other"),
        "EstablishmentStatus (code)": status,
        "EstablishmentStatus (name)": STATUS_NAMES.get(status, ""),
        "OpenDate": "01-09-2010", "CloseDate": "",
        "PhaseOfEducation (code)": phase, "StatutoryLowAge": low, "StatutoryHighAge": high,
        "SchoolCapacity": 900, "UKPRN": "", "LastChangedDate": "04-02-2025",
        "Street": "1 High Street", "Town": "Dudley", "Postcode": "DY1 1AA",
        "SENPRU (name)": "Not applicable", "EBD (name)": "Not applicable", "PlacesPRU": "",
        "FTProv (name)": "Not applicable", "EdByOther (name)": "Not applicable",
        "Country (name)": "United Kingdom",
    }
    values.update(extra)
    return values


def csv_bytes(rows: list[dict[str, Any]], *, header: list[str] | None = None,
              encoding: str = "windows-1252") -> bytes:
    """The rows as a GIAS CSV (all cells quoted, CRLF line ends), encoded as GIAS does."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header or HEADER, quoting=csv.QUOTE_ALL,
                            extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
