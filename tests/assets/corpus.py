"""A tiny English corpus written for the one-asset tests: a MediaWiki export with four articles and
the Wikidata entities they need, each placed to decide one rule.

* Ada Example (page 101, train): two items are labelled `Northam` (Q90002, no sitelink, near Kent
  County; Q90004, the town with an article); the paragraph names Ada and Kent County, so both score
  1 and the enwiki sitelink must break the tie (Q90004). Ada was born and died there: two triples
  with the same head and tail strings and different relations, both kept. A college (P69, no person
  relation: `schema`) and a ship as spouse (`type`). A paragraph with no triple (a negative in train)
  whose text the Northam article repeats.
* Ben Example (page 113, valid) and Cara Example (page 114, test): the other two splits; Cara links
  her brother through the redirect `Ben (painter)`.
* Northam (page 102, geographic_location, train): repeats Ada's paragraph, which Ada's smaller
  paragraph id (en:101:2 < en:102:1) keeps; its other paragraph has no triple (a negative).
"""

from __future__ import annotations

import bz2
import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

from tests.conftest import entity, wikidata_tables

ENTITIES = [
    entity("Q5", en=["human"]),
    entity("Q515", en=["city"]),
    entity("Q28640", en=["profession"]),
    entity("Q3918", en=["university"]),
    entity("Q11446", en=["ship"]),
    entity("Q90001", en=["Ada Example"], sites={"enwiki": "Ada Example"},
           claims={"P31": ["Q5"], "P19": ["Q90004"], "P20": ["Q90004"], "P569": ["+1815-12-10T00:00:00Z/11"],
                   "P570": ["+1852-11-27T00:00:00Z/11"], "P106": ["Q90006"], "P69": ["Q90007"], "P26": ["Q90009"]}),
    entity("Q90002", en=["Northam"], claims={"P31": ["Q515"], "P131": ["Q90005"]}),
    entity("Q90003", en=["Ben Example"], sites={"enwiki": "Ben Example"},
           claims={"P31": ["Q5"], "P19": ["Q90004"], "P569": ["+1820-03-03T00:00:00Z/11"], "P106": ["Q90010"]}),
    entity("Q90004", en=["Northam"], sites={"enwiki": "Northam"}, claims={"P31": ["Q515"]}),
    entity("Q90005", en=["Kent County"], claims={"P31": ["Q515"]}),
    entity("Q90006", en=["writer"], claims={"P31": ["Q28640"]}),
    entity("Q90007", en=["Northam College"], claims={"P31": ["Q3918"]}),
    entity("Q90008", en=["Cara Example"], sites={"enwiki": "Cara Example"},
           claims={"P31": ["Q5"], "P3373": ["Q90003"], "P19": ["Q90005"], "P106": ["Q90006"]}),
    entity("Q90009", en=["Sea Example"], claims={"P31": ["Q11446"]}),
    entity("Q90010", en=["painter"], claims={"P31": ["Q28640"]}),
]

CHRONICLE = ("The Northam Chronicle is a weekly paper that has been printed in the old market square since the spring "
             "of the year of its founding, for readers of the whole valley. Its pages report on markets, weddings, harvests "
             "and disputes, and the whole archive can be read in the public library.")
PAGES = [
    (101, "Ada Example",
     "'''Ada Example''' (10 December 1815 – 27 November 1852) was an English writer who was born and died in Northam, "
     "a market town of Kent County. She published three novels and many letters. "
     "Her letters describe long walks, quiet evenings and the changing light over the fields, and readers still enjoy "
     "them today for their warmth and wit.\n\n"
     "Ada Example studied at Northam College before she married Sea Example, which sailed from the harbour every spring. "
     "The voyage was long and the weather was often rough, yet she wrote that the open water gave her more calm and more "
     "ideas than any room on land could ever give to her.\n\n"
     + CHRONICLE),
    (113, "Ben Example",
     "'''Ben Example''' (3 March 1820) was a painter who was born in Northam and worked there for all of his long life. "
     "He painted the river, the hills and the people he met at the market, and many of his pictures hang today in small "
     "galleries across the region and far beyond it."),
    (114, "Cara Example",
     "'''Cara Example''' was a writer and the sister of [[Ben (painter)|Ben Example]]; she was born in Kent County and lived by the sea. "
     "Her stories follow fishing families through good years and bad ones, and they were read aloud in kitchens and "
     "schools for a long time after she had gone, and some still are."),
    (102, "Northam",
     "'''Northam''' is a market town in the south with about four thousand people and an old stone bridge over the river. "
     "Farmers bring their goods to the square on most mornings, and in summer visitors walk along the banks to watch the "
     "boats and the birds until the light fades in the evening.\n\n"
     + CHRONICLE),
]
REDIRECTS = [("Ben (painter)", "Ben Example", "en")]  # Cara's link goes through it


def write_dump(path: Path) -> str:
    """The pages as a MediaWiki export (schema 0.10, enwiki), bz2-compressed."""
    out = ['<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">\n'
           "  <siteinfo>\n    <sitename>Wikipedia</sitename>\n    <dbname>enwiki</dbname>\n"
           "    <base>https://en.wikipedia.org/wiki/Main_Page</base>\n    <generator>MediaWiki 1.42.0</generator>\n"
           '    <case>first-letter</case>\n    <namespaces>\n      <namespace key="0" case="first-letter" />\n'
           "    </namespaces>\n  </siteinfo>\n"]
    for page_id, title, text in PAGES:
        data = text.encode("utf-8")
        out.append(
            f"  <page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n    <id>{page_id}</id>\n"
            f"    <revision>\n      <id>{10**9 + page_id}</id>\n      <timestamp>2024-02-01T00:00:00Z</timestamp>\n"
            "      <contributor>\n        <username>Test</username>\n        <id>1</id>\n      </contributor>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            f'      <text bytes="{len(data)}" xml:space="preserve">{escape(text)}</text>\n'
            f"      <sha1>{hashlib.sha1(data).hexdigest()}</sha1>\n    </revision>\n  </page>\n")
    out.append("</mediawiki>\n")
    path.write_bytes(bz2.compress("".join(out).encode("utf-8")))
    return str(path)


def write_wikidata(directory: Path) -> str:
    """The entities' ingested tables as Parquet, where InMemoryWikidataSource reads them."""
    from instructie_assets.clients import InMemoryWikidataSource

    tables, redirects = wikidata_tables(ENTITIES, REDIRECTS)
    return InMemoryWikidataSource.write_tables(directory, tables, redirects)
