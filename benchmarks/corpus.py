"""A seeded stream of realistic journal articles for the benchmarks.

Everything comes from one ``random.Random(seed)`` consumed in order, so work number ``n``
is the same for a seed whatever the size asked for: the first M works of the 1M library
are the works of the M library, and the reference files hold the same works as the
database. Names include Polish, German, Spanish and Chinese (pinyin with tone marks)
spellings, so folding, sorting and search meet real non-ASCII text.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from exodesk.core.records import Author, WorkRecord

FIRST_YEAR = 1960
LAST_YEAR = 2025
#: Generated PMIDs are 8 digits, unique, and never collide with the embedded seed's.
PMID_BASE = 40_000_000
PMID_SPAN = 59_000_000
PMID_STEP = 7919  # prime, coprime with PMID_SPAN: n -> n * STEP mod SPAN is one-to-one
DOI_PREFIX = "10.5555/bench."

GIVEN_NAMES: tuple[str, ...] = (
    "Katarzyna", "Małgorzata", "Paweł", "Wojciech", "Łukasz", "Agnieszka", "Grzegorz",
    "Zofia", "Jürgen", "Jörg", "Björn", "Käthe", "Hans-Peter", "Ursula", "Günter",
    "Sofía", "José", "María José", "Jesús", "Ángel", "Íñigo", "Begoña", "Raúl",
    "Xīnyí", "Wěi", "Fāng", "Jìng", "Hào", "Lěi", "Yǔtóng", "Zǐhán", "Mǐn",
    "Anna", "John", "Mary", "David", "Sarah", "Michael", "Emily", "James", "Laura",
    "Ana Angelova", "Jamil Awad", "Afsaneh", "Hanna", "Piotr", "Dorota", "Paul",
    "Chiara", "Luca", "Giulia", "François", "Amélie", "Søren", "Ingrid", "Ayşe",
    "Mehmet", "Priya", "Rahul", "Yuki", "Hiroshi", "Olusegun", "Chiamaka",
)  # fmt: skip
FAMILY_NAMES: tuple[str, ...] = (
    "Stefańska", "Józkowiak", "Dzięgiel", "Wójcik", "Kowalczyk", "Łukasiewicz",
    "Piotrowska-Kempisty", "Bukowska", "Antosik", "Grzegorczyk", "Szczęsna", "Zieliński",
    "Müller", "Schäfer", "Groß", "Weiß", "Köhler", "Günther", "Bäcker", "Schröder",
    "Muñoz", "Peña", "Núñez", "Ibáñez", "Rodríguez", "García", "Fernández", "Martínez",
    "Wáng", "Lǐ", "Zhāng", "Liú", "Chén", "Yáng", "Huáng", "Zhào", "Wú", "Zhōu", "Xú",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris",
    "Volponi", "Shibli", "Golkar-Narenji", "Mozdziak", "Kempisty", "Rossi", "Bianchi",
    "Dubois", "Lefèvre", "Sørensen", "Østergaard", "Yılmaz", "Öztürk", "Patel",
    "Sharma", "Tanaka", "Suzuki", "Okafor", "Adeyemi", "O'Brien", "MacDonald",
    "van der Berg", "de la Cruz", "Nguyễn", "Trần", "Kim", "Park", "Ivanova", "Novák",
)  # fmt: skip
#: Title and abstract words, most frequent first (drawn with Zipf-like weights).
VOCABULARY: tuple[str, ...] = (
    "cancer", "cells", "exosomes", "tumor", "expression", "patients", "role", "analysis",
    "therapy", "extracellular", "vesicles", "cell", "human", "clinical", "study",
    "protein", "signaling", "microRNA", "treatment", "molecular", "mechanisms", "growth",
    "breast", "lung", "colorectal", "liver", "prostate", "pancreatic", "gastric",
    "ovarian", "carcinoma", "metastasis", "resistance", "drug", "delivery", "immune",
    "response", "inflammation", "apoptosis", "proliferation", "migration", "invasion",
    "biomarkers", "diagnosis", "prognosis", "survival", "pathway", "activation",
    "inhibition", "regulation", "mesenchymal", "stem", "stromal", "microenvironment",
    "angiogenesis", "hypoxia", "autophagy", "exosomal", "circulating", "plasma", "serum",
    "urine", "saliva", "isolation", "characterization", "proteomic", "transcriptomic",
    "sequencing", "single-cell", "profiling", "cohort", "randomized", "trial", "mouse",
    "model", "in vivo", "in vitro", "xenograft", "organoid", "chemotherapy",
    "radiotherapy", "immunotherapy", "checkpoint", "PD-L1", "T-cell", "macrophages",
    "neutrophils", "dendritic", "natural", "killer", "cytokines", "interleukin",
    "TNF-α", "TGF-β", "VEGF", "EGFR", "KRAS", "TP53", "BRCA1", "HER2", "MYC", "Wnt",
    "β-catenin", "NF-κB", "STAT3", "PI3K", "AKT", "mTOR", "MAPK", "ERK", "Notch",
    "Hedgehog", "epithelial", "transition", "EMT", "fibroblasts", "endothelial",
    "secretion", "uptake", "cargo", "lipid", "membrane", "tetraspanins", "CD63", "CD9",
    "CD81", "ALIX", "TSG101", "ultracentrifugation", "nanoparticle", "tracking",
    "electron", "microscopy", "western", "blot", "flow", "cytometry", "ELISA", "qPCR",
    "non-coding", "RNA", "lncRNA", "circRNA", "DNA", "methylation", "epigenetic",
    "genomic", "mutations", "heterogeneity", "targeted", "novel", "potential",
    "emerging", "recent", "advances", "insights", "perspectives", "systematic",
    "review", "meta-analysis", "evidence", "association", "correlation", "risk",
    "factors", "outcomes", "efficacy", "safety", "toxicity", "dose", "phase", "early",
    "detection", "screening", "liquid", "biopsy", "sensitivity", "specificity",
    "neurodegenerative", "Alzheimer", "Parkinson", "cardiovascular", "diabetes",
    "obesity", "kidney", "injury", "regeneration", "wound", "healing", "bone",
    "cartilage", "osteoarthritis", "infection", "viral", "bacterial", "sepsis",
    "COVID-19", "SARS-CoV-2", "vaccine", "engineering", "loading", "surface",
    "modification", "scalable", "manufacturing", "standardization", "quality",
    "control", "zebrafish", "rat", "porcine", "bovine", "canine", "equine",
    "glioblastoma", "melanoma", "leukemia", "lymphoma", "myeloma", "sarcoma",
    "neuroblastoma", "hepatocellular", "cholangiocarcinoma", "esophageal", "bladder",
    "renal", "thyroid", "cervical", "endometrial", "head", "neck", "squamous",
)  # fmt: skip
FILLER: tuple[str, ...] = (
    "the", "of", "and", "in", "a", "to", "with", "for", "by", "on", "from", "as", "is",
    "are", "was", "were", "we", "that", "this", "these", "which", "between", "after",
)  # fmt: skip
KEYWORDS: tuple[str, ...] = tuple(
    sorted(
        {
            "exosomes", "extracellular vesicles", "cancer", "biomarkers", "liquid biopsy",
            "drug resistance", "microRNA", "tumor microenvironment", "immunotherapy",
            "drug delivery", "metastasis", "angiogenesis", "mesenchymal stem cells",
            "proteomics", "lncRNA", "circRNA", "EMT", "hypoxia", "autophagy", "apoptosis",
            "inflammation", "macrophages", "T cells", "PD-L1", "chemotherapy",
            "radiotherapy", "prognosis", "diagnosis", "nanoparticles", "organoids",
            "single-cell sequencing", "epigenetics", "DNA methylation", "signal transduction",
            "Wnt/β-catenin", "NF-κB", "PI3K/AKT/mTOR", "regenerative medicine",
            "neurodegeneration", "cardiovascular disease", "diabetes", "wound healing",
            "osteoarthritis", "COVID-19", "vaccines", "engineering", "biomanufacturing",
            "quality control", "animal models", "xenografts", "glioblastoma", "melanoma",
            "leukemia", "breast cancer", "lung cancer", "colorectal cancer", "liver cancer",
            "prostate cancer", "pancreatic cancer", "gastric cancer", "ovarian cancer",
        }
    )
)  # fmt: skip
JOURNALS: tuple[tuple[str, str, str], ...] = (
    ("Cells", "Cells", "MDPI"),
    ("International Journal of Molecular Sciences", "Int J Mol Sci", "MDPI"),
    ("Cancers", "Cancers (Basel)", "MDPI"),
    ("Journal of Extracellular Vesicles", "J Extracell Vesicles", "Wiley"),
    ("Molecular Cancer", "Mol Cancer", "BioMed Central"),
    ("Nature Communications", "Nat Commun", "Nature Portfolio"),
    ("Scientific Reports", "Sci Rep", "Nature Portfolio"),
    ("Cancer Research", "Cancer Res", "AACR"),
    ("Oncogene", "Oncogene", "Springer Nature"),
    ("Frontiers in Oncology", "Front Oncol", "Frontiers"),
    ("Frontiers in Immunology", "Front Immunol", "Frontiers"),
    ("PLoS One", "PLoS One", "Public Library of Science"),
    ("Theranostics", "Theranostics", "Ivyspring"),
    ("Journal of Hematology & Oncology", "J Hematol Oncol", "BioMed Central"),
    ("Seminars in Cancer Biology", "Semin Cancer Biol", "Elsevier"),
    ("Biochimica et Biophysica Acta", "Biochim Biophys Acta", "Elsevier"),
    ("Journal of Controlled Release", "J Control Release", "Elsevier"),
    ("Stem Cell Research & Therapy", "Stem Cell Res Ther", "BioMed Central"),
    ("Cell Death & Disease", "Cell Death Dis", "Springer Nature"),
    ("Biomedicine & Pharmacotherapy", "Biomed Pharmacother", "Elsevier"),
    ("Experimental Cell Research", "Exp Cell Res", "Elsevier"),
    ("Medycyna Weterynaryjna", "Med Weter", "Polskie Towarzystwo Nauk Weterynaryjnych"),
    ("Zeitschrift für Naturforschung C", "Z Naturforsch C", "De Gruyter"),
    ("Revista Española de Enfermedades Digestivas", "Rev Esp Enferm Dig", "Arán"),
    ("Zhōnghuá Zhǒngliú Zázhì", "Zhonghua Zhong Liu Za Zhi", "Chinese Medical Association"),
    ("Journal of Biological Chemistry", "J Biol Chem", "ASBMB"),
    ("The Lancet Oncology", "Lancet Oncol", "Elsevier"),
    ("Journal of Clinical Oncology", "J Clin Oncol", "ASCO"),
    ("Cell Reports", "Cell Rep", "Cell Press"),
    ("EMBO Journal", "EMBO J", "Wiley"),
)  # fmt: skip
TAG_NAMES: tuple[str, ...] = (
    "to read", "important", "methods", "review", "cite in thesis", "chapter 1",
    "chapter 2", "chapter 3", "biomarkers", "therapy", "mouse models", "clinical trial",
    "in vitro", "proteomics", "miRNA", "imaging", "statistics", "controversial",
    "replicate", "grant 2024", "journal club", "Stefańska lab", "Müller group",
    "délai", "重要", "follow up", "figures", "discussion", "supplement", "archive",
)  # fmt: skip

SENTENCE_POOL = 3000
ABSTRACT_SHARE = 0.85
TAGGED_SHARE = 0.20
NOTED_SHARE = 0.05
PMCID_SHARE = 0.35
READ_SHARE = 0.25
STARRED_SHARE = 0.03


@dataclass(frozen=True, slots=True)
class GeneratedWork:
    """One generated article: what a file would carry, plus the library's flags."""

    number: int  # 1-based position in the stream
    record: WorkRecord
    tags: tuple[str, ...]
    notes: tuple[str, ...]
    is_read: bool
    starred: bool


def pmid_of(number: int) -> str:
    return str(PMID_BASE + (number * PMID_STEP) % PMID_SPAN)


def doi_of(number: int) -> str:
    return f"{DOI_PREFIX}{number}"


def _zipf_weights(count: int) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(count)))


class Corpus:
    """The stream of works for one seed."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._word_weights = _zipf_weights(len(VOCABULARY))
        self._sentences = [self._sentence() for _ in range(SENTENCE_POOL)]

    def works(self, count: int) -> Iterator[GeneratedWork]:
        for number in range(1, count + 1):
            yield self._work(number)

    # -- pieces -----------------------------------------------------------------------------
    def _words(self, count: int) -> list[str]:
        return self._random.choices(VOCABULARY, cum_weights=self._word_weights, k=count)

    def _sentence(self) -> str:
        rnd = self._random
        words = self._words(rnd.randint(8, 18))
        for _ in range(len(words) // 3):
            words.insert(rnd.randrange(1, len(words)), rnd.choice(FILLER))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def _title(self) -> str:
        rnd = self._random
        words = self._words(rnd.randint(5, 12))
        for _ in range(len(words) // 4):
            words.insert(rnd.randrange(1, len(words)), rnd.choice(FILLER))
        if rnd.random() < 0.3:
            cut = rnd.randrange(2, len(words))
            words[cut - 1] += ":"
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def _authors(self) -> tuple[Author, ...]:
        rnd = self._random
        count = min(30, 1 + int(rnd.expovariate(1 / 5)))
        return tuple(
            Author(family=rnd.choice(FAMILY_NAMES), given=rnd.choice(GIVEN_NAMES))
            for _ in range(count)
        )

    def _abstract(self) -> str:
        rnd = self._random
        if rnd.random() >= ABSTRACT_SHARE:
            return ""
        return " ".join(rnd.choices(self._sentences, k=rnd.randint(5, 11)))

    def _tags(self) -> tuple[str, ...]:
        rnd = self._random
        if rnd.random() >= TAGGED_SHARE:
            return ()
        return tuple(rnd.sample(TAG_NAMES, rnd.randint(1, 3)))

    def _notes(self) -> tuple[str, ...]:
        rnd = self._random
        if rnd.random() >= NOTED_SHARE:
            return ()
        points = "\n".join(f"- {s}" for s in rnd.sample(self._sentences, rnd.randint(1, 4)))
        return (f"**Summary.** {rnd.choice(self._sentences)}\n\n{points}",)

    def _year(self) -> int:
        back = min(LAST_YEAR - FIRST_YEAR, int(self._random.expovariate(1 / 14)))
        return LAST_YEAR - back

    def _work(self, number: int) -> GeneratedWork:
        rnd = self._random
        year = self._year()
        journal, abbrev, publisher = rnd.choice(JOURNALS)
        month, day = rnd.randint(1, 12), rnd.randint(1, 28)
        first_page = rnd.randint(1, 4000)
        numbered = rnd.random() < 0.3
        record = WorkRecord(
            title=self._title(),
            abstract=self._abstract(),
            container_title=journal,
            container_abbrev=abbrev,
            year=year,
            date=f"{year}-{month:02d}-{day:02d}" if rnd.random() < 0.7 else str(year),
            volume=str(max(1, year - 1950 + rnd.randint(0, 3))),
            issue=str(rnd.randint(1, 12)),
            pages="" if numbered else f"{first_page}-{first_page + rnd.randint(2, 25)}",
            article_number=str(rnd.randint(100, 9999)) if numbered else "",
            publisher=publisher,
            language="en",
            doi=doi_of(number),
            pmid=pmid_of(number),
            pmcid=f"PMC{1_000_000 + number}" if rnd.random() < PMCID_SHARE else "",
            authors=self._authors(),
            keywords=tuple(rnd.sample(KEYWORDS, rnd.randint(3, 6))),
        )
        return GeneratedWork(
            number=number,
            record=record,
            tags=self._tags(),
            notes=self._notes(),
            is_read=rnd.random() < READ_SHARE,
            starred=rnd.random() < STARRED_SHARE,
        )


def search_queries(seed: int, count: int = 50) -> list[str]:
    """Fixed search-box texts: 1 to 3 words, some cut short as while typing (prefixes),
    some with accents dropped ("Muller"), common and rare terms mixed."""
    rnd = random.Random(seed * 7 + 5)
    pool: Sequence[str] = (
        *VOCABULARY[:60], *VOCABULARY[-60:], *KEYWORDS,
        "Muller", "Stefanska", "wang", "Zhāng", "Núñez", "Groß", "Jürgen", "ovar",
    )  # fmt: skip
    queries = []
    for index in range(count):
        words = [rnd.choice(pool).split()[0] for _ in range(1 + index % 3)]
        if rnd.random() < 0.5:
            last = words[-1]
            words[-1] = last[: max(2, len(last) - rnd.randint(1, 4))]
        queries.append(" ".join(words))
    return queries
