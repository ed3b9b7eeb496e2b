"""Derive the shipped register files (register/data/*.csv) from ../shared/data/.

Run from the repository root: ``python scripts/derive_register_data.py ../shared/data``.
Nothing is invented: an empty value in the reference data stays empty. Provenance of every
column is in docs/data-sources.md.
"""

import csv
import sys
from pathlib import Path

from django.utils.text import slugify

OUT = Path(__file__).resolve().parent.parent / "register" / "data"
MUNICIPALITY_SOURCE = (
    "SSB KLASS 131 (2024): nummer og navn; organisasjonsnummer utledet fra SSB-kilder "
    "(KLASS 582/1236); folketall 1.1.2024 (tredjeparts datasett, samsvarer med SSB 07459)"
)
COUNTY_SOURCE = "SSB KLASS 104 (2024)"
COUNTY_MUNICIPALITY_SOURCE = (
    "SSB KLASS 104 (2024); organisasjonsnummer fra FINT (fylkeskommunenes integrasjonsplattform)"
)
UNKNOWN_ORGNR_SOURCE = (
    "SSB KLASS 131 (2024): nummer og navn; organisasjonsnummer ukjent (ikke funnet i kildene); "
    "folketall 1.1.2024 (tredjeparts datasett, samsvarer med SSB 07459)"
)
PREDECESSOR_SOURCE = (
    "SSB: kommunestrukturen 2020–2023 (delt 1.1.2024 i 1508 Ålesund og 1580 Haram); "
    "organisasjonsnummer fra SSB-kilder (KLASS 582/1236)"
)
SPLIT_FROM_1507 = {"1508", "1580"}
REESTABLISHED = "2024-01-01"
TRANSLIT = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "å": "a", "Å": "A"})
CERTAINTY = {"middels": "medium", "lav": "low", "høy": "high"}


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(name: str, header: list[str], rows: list[list]) -> None:
    with (OUT / name).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(src: Path) -> None:
    counties = read(src / "fylker-2024.csv")
    write("counties-2024.csv",
          ["number", "name", "short_name", "valid_from", "valid_to", "note", "source"],
          [[c["fylkesnummer"], c["navn"], c["kortnavn"],
            REESTABLISHED if c["merknad"].startswith("Gjenopprettet") else "", "",
            c["merknad"], COUNTY_SOURCE] for c in counties])

    rows = [["ks", "", "KS", "", "", "", "", "", "",
             "KS (kommunesektorens organisasjon); organisasjonsnummer ikke i referansedata", ""]]
    for c in counties:
        rows.append(["county_municipality", c["fylkesnummer"], c["fylkeskommune"],
                     c["fylkesnummer"], c["organisasjonsnummer"], "", "",
                     REESTABLISHED if c["merknad"].startswith("Gjenopprettet") else "", "",
                     COUNTY_MUNICIPALITY_SOURCE, ""])
    # The 2024 split of 1507 Ålesund (2020-2023) into 1508 Ålesund and 1580 Haram: the only
    # merger/split in the reference data with a known predecessor organisation number.
    old = next(r for r in read(src / "kommunenummer-2023-2024.csv")
               if r["kommunenummer_2020_2023"] == "1507")
    rows.append(["municipality", "1507", old["navn_2020_2023"], "15",
                 old["organisasjonsnummer_2020_2023"], "", "", "2020-01-01", "2023-12-31",
                 PREDECESSOR_SOURCE, ""])
    for m in read(src / "kommuner-2024.csv"):
        split = m["kommunenummer"] in SPLIT_FROM_1507
        source = MUNICIPALITY_SOURCE if m["organisasjonsnummer"] else UNKNOWN_ORGNR_SOURCE
        rows.append(["municipality", m["kommunenummer"], m["navn"], m["fylkesnummer"],
                     m["organisasjonsnummer"], m["folketall"], "2024-01-01",
                     REESTABLISHED if split else "", "", source, "1507" if split else ""])
    write("organisations-2024.csv",
          ["kind", "number", "name", "county", "org_number", "population", "population_date",
           "valid_from", "valid_to", "source", "predecessors"], rows)

    networks = []
    for n in read(src / "regionale-nettverk.csv"):
        if n["nettverk"].startswith("("):  # "(Oslo)": the source found no network
            continue
        networks.append([
            n["nettverk"], slugify(n["nettverk"].split("(")[0].translate(TRANSLIT))[:100],
            n["fylkesnummer_2024"], n["omfang"], n["antall_kommuner_oppgitt"],
            CERTAINTY[n["sikkerhet"]], n["kommunenummer_2024"], n["kilde_url"],
            n["kilde_dato"], n["merknad"],
        ])
    write("networks-2024.csv",
          ["name", "slug", "counties", "scope", "stated_member_count", "certainty", "members",
           "source_url", "source_date", "note"], networks)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
