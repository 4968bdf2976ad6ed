"""Write a real-pages corpus as the dumps the pipeline reads.

A corpus is a directory with a `manifest.yaml`:

    pages:                       # one entry per article, in page-id order
      - title: Julia Kristeva    # the article title (sitelinks of the written entities match it)
        language: en             # en | zh
        file: shared:enwiki/julia_kristeva.txt   # `shared:` = INSTRUCTIE_REAL_PAGES; else relative to the corpus
        subject: Q159876         # the article's Wikidata item (a real or written entity below)
        source: {repo: ..., path: ..., commit: ...}   # where the wikitext was copied from (kept for attribution)
    entities:
      real: [shared:wikidata/Q2112.json]          # real entities: a dump line or a Special:EntityData response
      written: [entities/common.yaml, ...]        # entities written by us, the sample's compact YAML format
    redirects:                   # redirect pages of the real wiki that the pages' links go through (written by us)
      - {language: en, title: Lacan, target: Jacques Lacan}

and writes, into an output directory:

    enwiki-realpages-pages-articles.xml.bz2, zhwiki-realpages-pages-articles.xml.bz2
        MediaWiki export 0.10 (siteinfo dbname enwiki / zhwiki, namespace 0, one revision per page),
        the wikitext byte for byte as the source holds it, then the listed redirect pages;
    wikidata-realpages.json.gz
        the Wikidata dump layout (`[`, one entity per line with a trailing comma, `]`);
    entities.json
        for every entity of the dump: `real` (copied, with the file it came from) or `written` (and the file).

The page and entity writers are the sample corpus' own (`resources/sample/build_sample.py`), so
both corpora are written the same way.

    python -m bench.real_pages_corpus build OUT_DIR [--corpus DIR]
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.real_pages_corpus import CORPUS_DIR
from instructie_assets.paths import PROJECT_ROOT, SAMPLE_DIR

DUMP_NAMES = {"en": "enwiki-realpages-pages-articles.xml.bz2", "zh": "zhwiki-realpages-pages-articles.xml.bz2"}
WIKIDATA_NAME = "wikidata-realpages.json.gz"
ENTITY_ORIGINS_NAME = "entities.json"
FIRST_PAGE_ID = 1000
FIRST_REDIRECT_ID = 900000
PLACEHOLDER_FROM = 990000000  # written entities whose real id is not known offline get ids from here up


class CorpusError(ValueError):
    """A corpus that cannot be built: names the file and what is wrong."""


class SharedPagesMissing(CorpusError):
    """The corpus refers to `shared:` files and the shared real-pages directory is not there."""


def shared_pages_dir() -> Path | None:
    """INSTRUCTIE_REAL_PAGES, else `shared/real-pages` in the nearest parent of the repository that has
    one (`../shared/real-pages` for the main checkout); None when there is none."""
    env = os.environ.get("INSTRUCTIE_REAL_PAGES")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in PROJECT_ROOT.parents:
        candidate = parent / "shared" / "real-pages"
        if candidate.is_dir():
            return candidate
    return None


def _sample_writers():
    """The sample corpus' writers (`xml_export`, `build_entity`), loaded from their script."""
    spec = importlib.util.spec_from_file_location("instructie_sample_builder", SAMPLE_DIR / "build_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class CorpusPage:
    title: str
    language: str
    file: str
    subject: str | None
    page_id: int
    source: dict = field(default_factory=dict)


@dataclass
class Corpus:
    root: Path
    pages: list[CorpusPage]
    real_entities: list[str]
    written_entities: list[str]
    redirects: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, root: str | Path = CORPUS_DIR) -> "Corpus":
        root = Path(root)
        manifest_path = root / "manifest.yaml"
        if not manifest_path.is_file():
            raise CorpusError(f"{manifest_path}: no manifest (a corpus directory holds manifest.yaml, see bench/real_pages_corpus/README.md)")
        manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
        pages = []
        for i, entry in enumerate(manifest.get("pages") or []):
            missing = [k for k in ("title", "language", "file") if not entry.get(k)]
            if missing:
                raise CorpusError(f"{manifest_path}: pages[{i}] lacks {', '.join(missing)}")
            if entry["language"] not in DUMP_NAMES:
                raise CorpusError(f"{manifest_path}: pages[{i}] ({entry['title']}): language {entry['language']!r} is not en or zh")
            pages.append(CorpusPage(entry["title"], entry["language"], entry["file"], entry.get("subject"),
                                    int(entry.get("page_id") or FIRST_PAGE_ID + i), entry.get("source") or {}))
        titles = [(p.language, p.title) for p in pages]
        if len(set(titles)) != len(titles):
            raise CorpusError(f"{manifest_path}: a title is listed twice")
        entities = manifest.get("entities") or {}
        redirects = list(manifest.get("redirects") or [])
        for i, r in enumerate(redirects):
            if not (r.get("language") in DUMP_NAMES and r.get("title") and r.get("target")):
                raise CorpusError(f"{manifest_path}: redirects[{i}] needs language (en/zh), title and target")
        return cls(root, pages, list(entities.get("real") or []), list(entities.get("written") or []), redirects)

    def resolve(self, ref: str) -> Path:
        if ref.startswith("shared:"):
            shared = shared_pages_dir()
            if shared is None:
                raise SharedPagesMissing(
                    f"{ref}: the shared real pages are not here (set INSTRUCTIE_REAL_PAGES to the directory "
                    "that holds enwiki/, zhwiki/, wikidata/)")
            path = shared / ref[len("shared:"):]
        else:
            path = self.root / ref
        if not path.is_file():
            raise CorpusError(f"{path}: no such file (referred to by {self.root / 'manifest.yaml'})")
        return path

    def uses_shared(self) -> bool:
        return any(ref.startswith("shared:") for ref in [p.file for p in self.pages] + self.real_entities)

    def wikitext(self, page: CorpusPage) -> str:
        return self.resolve(page.file).read_text(encoding="utf-8")


def read_real_entity(path: Path) -> dict:
    """A real entity from a dump line or a Special:EntityData / API response (`{"entities": {id: {...}}}`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: line {exc.lineno}: not JSON ({exc.msg})") from exc
    if "entities" in data and isinstance(data["entities"], dict):
        if len(data["entities"]) != 1:
            raise CorpusError(f"{path}: holds {len(data['entities'])} entities, expected one")
        data = next(iter(data["entities"].values()))
    if not isinstance(data, dict) or not data.get("id"):
        raise CorpusError(f"{path}: not a Wikidata entity (no id)")
    return data


def entity_lines(corpus: Corpus) -> tuple[list[dict], dict[str, dict]]:
    """Every entity of the dump (real ones first, as copied; then the written ones) and each one's origin."""
    writers = _sample_writers()
    entities: list[dict] = []
    origins: dict[str, dict] = {}

    def add(entity: dict, origin: dict) -> None:
        qid = entity["id"]
        if qid in origins:
            raise CorpusError(f"{origin['file']}: {qid} is already given by {origins[qid]['file']}")
        origins[qid] = origin
        entities.append(entity)

    for ref in corpus.real_entities:
        add(read_real_entity(corpus.resolve(ref)), {"kind": "real", "file": ref})
    revid = 2100000000
    for ref in corpus.written_entities:
        path = corpus.resolve(ref)
        try:
            specs = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"{path}: not YAML ({exc})") from exc
        for qid, spec in specs.items():
            if not (isinstance(qid, str) and qid[:1] in "QP" and qid[1:].isdigit()):
                raise CorpusError(f"{path}: {qid!r} is not an entity id")
            try:
                entity = writers.build_entity(qid, spec or {}, revid)
            except (ValueError, AttributeError, TypeError) as exc:
                raise CorpusError(f"{path}: {qid}: {exc}") from exc
            revid += 1
            origin = {"kind": "written", "file": ref}
            if qid[0] == "Q" and int(qid[1:]) >= PLACEHOLDER_FROM:
                origin["placeholder_id"] = True
            add(entity, origin)
    return entities, origins


def check_links(corpus: Corpus, entities: list[dict]) -> None:
    """Every page subject must be an entity of the dump, and its sitelink must be the page title."""
    by_id = {e["id"]: e for e in entities}
    for page in corpus.pages:
        if not page.subject:
            continue
        entity = by_id.get(page.subject)
        if entity is None:
            raise CorpusError(f"{corpus.root / 'manifest.yaml'}: {page.title}: subject {page.subject} is not in the entities")
        site = f"{page.language}wiki"
        title = ((entity.get("sitelinks") or {}).get(site) or {}).get("title")
        if title != page.title:
            raise CorpusError(f"{page.title}: the {site} sitelink of {page.subject} is {title!r}, not the page title")


def build_dumps(out_dir: str | Path, corpus: Corpus | None = None) -> dict[str, Path]:
    """Write the corpus' dumps into `out_dir`; returns {"en": path, "zh": path, "wikidata": path, "entities": path}
    (a language without pages gets no dump)."""
    corpus = corpus or Corpus.load()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers = _sample_writers()
    written: dict[str, Path] = {}
    for language, name in DUMP_NAMES.items():
        pages = [p for p in corpus.pages if p.language == language]
        if not pages:
            continue
        redirect_id = FIRST_REDIRECT_ID
        redirects = []
        for r in corpus.redirects:
            redirect_id += 1
            if r["language"] == language:
                redirects.append({"title": r["title"], "id": redirect_id, "redirect": r["target"]})
        source = {"dbname": f"{language}wiki", "sitename": "Wikipedia", "base": f"https://{language}.wikipedia.org/wiki/Main_Page",  # real pages
                  "pages": [{"title": p.title, "id": p.page_id, "text": corpus.wikitext(p)} for p in pages] + redirects}
        path = out / name
        path.write_bytes(bz2.compress(writers.xml_export(source)))
        written[language] = path
    entities, origins = entity_lines(corpus)
    check_links(corpus, entities)
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entities]
    path = out / WIKIDATA_NAME
    path.write_bytes(gzip.compress(("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8"), mtime=0))
    written["wikidata"] = path
    origins_path = out / ENTITY_ORIGINS_NAME
    origins_path.write_text(json.dumps(origins, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    written["entities"] = origins_path
    return written
