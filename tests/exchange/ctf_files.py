"""Synthetic Common Transfer Files for the tests (made-up pupils; valid UPNs)."""

from __future__ import annotations

from typing import Any

from aptrack.rules import upn as rules_upn


def upn(serial: int, la: str = "332", estab: str = "4001") -> str:
    return rules_upn.make(la, estab, "19", serial)


def pupil(upn_: str, *, surname: str = "Nowak", forename: str = "Zoë", dob: str = "2012-03-04",
          sex: str = "F", former: str = "", sen: str = "K", years: Any = ((2024, 300, 10, 5),),
          sex_tag: str = "Sex") -> str:
    former_xml = f"<BasicDetails><FormerUPN>{former}</FormerUPN></BasicDetails>" if former else ""
    year_xml = "".join(
        f"<YearData><Year>{y}</Year><SchoolName>Test High</SchoolName><LEA>332</LEA>"
        f"<Estab>4001</Estab><SessionsPossible>{p}</SessionsPossible>"
        f"<SessionsAuthorised>{a}</SessionsAuthorised>"
        f"<SessionsUnauthorised>{u}</SessionsUnauthorised></YearData>" for y, p, a, u in years)
    return (f"  <Pupil>\n    <UPN>{upn_}</UPN><Surname>{surname}</Surname>"
            f"<Forename>{forename}</Forename><DOB>{dob}</DOB><{sex_tag}>{sex}</{sex_tag}>"
            f"{former_xml}\n    <SENhistory><SEN><StartDate>2023-09-01</StartDate>"
            f"<SENprovision>N</SENprovision></SEN><SEN><StartDate>2024-09-01</StartDate>"
            f"<SENprovision>{sen}</SENprovision></SEN></SENhistory>\n"
            f"    <Attendance>{year_xml}</Attendance>\n  </Pupil>\n")


def document(*pupils: str, source_la: str = "332") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>\n<Header>'
            "<DocumentName>Common Transfer File</DocumentName><CTFversion>24.0</CTFversion>"
            f"<SourceSchool><LEA>{source_la}</LEA><Estab>4001</Estab><URN>100001</URN>"
            "<SchoolName>Test High</SchoolName></SourceSchool></Header>\n<CTFpupilData>\n"
            + "".join(pupils) + "</CTFpupilData>\n</CTfile>\n").encode("utf-8")
