"""The intent classifier: TF-IDF word and character n-grams, a linear SVM with sigmoid-calibrated probabilities.

It is trained on `training_data/intents.jsonl` (kept in the repository), whose utterances mark entities with
placeholders (`{artist}`, `{city}`, `{date}`, ...). Placeholders become type tokens (`xartistx`, ...) and, at
prediction time, the entities found in a message are replaced by the same tokens, so the classifier learns how
people ask, not which names exist. The trained model is cached under the data dir, keyed by a hash of the
training data and the library versions, so it is trained once per data set change.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

PLACEHOLDER_TOKENS = {
    "artist": "xartistx", "venue": "xvenuex", "city": "xcityx", "state": "xstatex", "genre": "xgenrex",
    "vtype": "xvtypex", "date": "xdatex", "price": "xpricex", "count": "xcountx", "user": "xuserx",
    "min_events": "xcountx",
}  # fmt: skip
"""Entity type -> the token that stands for it in the classifier's input."""

FOLLOW_UP = "follow_up"
FAREWELL = re.compile(r"\b(thanks?|thank you|cheers|bye|goodbye|see you)\b", re.IGNORECASE)
"""Words that close a conversation: a greeting-like message that says goodbye is answered as one."""
"""A pseudo-intent of the training data: "what about Chicago?" continues the previous intent."""

MODEL_VERSION = "1"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Example:
    """One labelled utterance of the training data."""

    text: str
    intent: str

    @property
    def delexicalised(self) -> str:
        """The text with each placeholder replaced by its type token."""
        return _PLACEHOLDER.sub(lambda m: PLACEHOLDER_TOKENS[m.group(1)], self.text)


def training_path() -> Any:
    """The packaged training data file."""
    return resources.files("concert_api.services.chat") / "training_data" / "intents.jsonl"


def load_examples(source: Any = None) -> list[Example]:
    """The labelled utterances (default: the packaged training data)."""
    text = (source or training_path()).read_text(encoding="utf-8")
    return [Example(**json.loads(line)) for line in text.splitlines() if line.strip()]


def carrier_words(examples: Iterable[Example]) -> frozenset[str]:
    """Every word the training utterances use around their placeholders: words people ask with, which the
    entity matcher must never take for part of a name."""
    words: set[str] = set()
    for ex in examples:
        words.update(_WORD.findall(_PLACEHOLDER.sub(" ", ex.text.lower())))
    return frozenset(words)


@dataclass(frozen=True)
class Prediction:
    """The most likely intent, its calibrated probability, and every intent's probability."""

    intent: str
    confidence: float
    probabilities: dict[str, float]


class IntentClassifier:
    """A fitted scikit-learn pipeline over delexicalised text."""

    def __init__(self, pipeline: Any, digest: str) -> None:
        self.pipeline = pipeline
        self.digest = digest
        self.labels: list[str] = [str(c) for c in pipeline.classes_]
        self._linear = _LinearCalibrated.of(pipeline)

    @classmethod
    def train(cls, examples: Sequence[Example], *, digest: str = "") -> IntentClassifier:
        """Fit the pipeline on the examples."""
        pipeline = build_pipeline()
        pipeline.fit([ex.delexicalised for ex in examples], [ex.intent for ex in examples])
        return cls(pipeline, digest)

    def predict(self, delexicalised_text: str) -> Prediction:
        """The intent of one (already delexicalised) message."""
        return self.predict_many([delexicalised_text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """The intents of many delexicalised messages."""
        if self._linear is not None:
            rows = self._linear.predict_proba(self.pipeline.named_steps["features"].transform(list(texts)))
        else:
            rows = self.pipeline.predict_proba(list(texts))
        out: list[Prediction] = []
        for row in rows:
            probabilities = {label: float(p) for label, p in zip(self.labels, row, strict=True)}
            best = max(probabilities, key=lambda k: probabilities[k])
            out.append(Prediction(best, probabilities[best], probabilities))
        return out


class _LinearCalibrated:
    """The fitted calibrated SVMs as plain matrices: the same probabilities as
    `CalibratedClassifierCV(LinearSVC, method="sigmoid").predict_proba`, computed in one matrix product instead of
    scikit-learn's per-class, per-fold calls (each validating its input), which took most of a reply's time."""

    def __init__(self, coef: Any, intercept: Any, a: Any, b: Any, columns: Any, n_classes: int) -> None:
        self.coef, self.intercept, self.a, self.b, self.columns = coef, intercept, a, b, columns
        self.n_classes = n_classes

    @classmethod
    def of(cls, pipeline: Any) -> _LinearCalibrated | None:
        """The matrices of a fitted pipeline, or None when its classifier is not the multi-class linear SVM with
        sigmoid calibration this replicates (then scikit-learn computes the probabilities)."""
        import numpy as np

        try:
            calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_
            classes = list(pipeline.classes_)
            coef, intercept, a, b, columns = [], [], [], [], []
            for fold in calibrated:
                estimator = fold.estimator
                if len(classes) < 3 or len(fold.calibrators) != len(estimator.classes_):
                    return None
                coef.append(estimator.coef_)
                intercept.append(estimator.intercept_)
                a.append([c.a_ for c in fold.calibrators])
                b.append([c.b_ for c in fold.calibrators])
                columns.append([classes.index(c) for c in estimator.classes_])
            return cls(np.stack(coef), np.stack(intercept), np.array(a), np.array(b), np.array(columns),
                       len(classes))
        except (AttributeError, KeyError, ValueError):
            return None

    def predict_proba(self, features: Any) -> Any:
        import numpy as np

        n = features.shape[0]
        total = np.zeros((n, self.n_classes))
        for k in range(self.coef.shape[0]):
            scores = np.asarray(features @ self.coef[k].T) + self.intercept[k]
            proba = np.zeros((n, self.n_classes))
            proba[:, self.columns[k]] = 1.0 / (1.0 + np.exp(self.a[k] * scores + self.b[k]))
            denominator = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, denominator, out=np.full_like(proba, 1 / self.n_classes),
                              where=denominator != 0)
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
            total += proba
        return total / self.coef.shape[0]


def build_pipeline() -> Any:
    """Word 1-2-grams and character 2-5-grams (robust to typos), a linear SVM, sigmoid calibration."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
    ])
    svm = LinearSVC(C=0.5, class_weight="balanced")
    return Pipeline([("features", features),
                     ("classifier", CalibratedClassifierCV(svm, method="sigmoid", cv=5))])


def training_digest(examples: Sequence[Example]) -> str:
    """A hash of the training data, the model version and scikit-learn's version: the cache key."""
    import sklearn

    h = hashlib.sha256(f"{MODEL_VERSION}|{sklearn.__version__}|".encode())
    for ex in examples:
        h.update(f"{ex.intent}\t{ex.text}\n".encode())
    return h.hexdigest()[:16]


def load_or_train(cache_dir: Path | None, examples: Sequence[Example] | None = None) -> IntentClassifier:
    """The classifier for the training data: from the cache when its digest matches, else trained (and cached
    when `cache_dir` is writable). The cache holds only what this function wrote."""
    examples = list(examples) if examples is not None else load_examples()
    digest = training_digest(examples)
    path = cache_dir / f"chat_intents_{digest}.pkl" if cache_dir else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as f:
                pipeline = pickle.load(f)  # written by this function, in the platform's own data dir
            return IntentClassifier(pipeline, digest)
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError):
            pass
    classifier = IntentClassifier.train(examples, digest=digest)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as f:
                pickle.dump(classifier.pipeline, f)
            tmp.replace(path)
        except OSError:
            pass  # a read-only data dir: keep the model in memory
    return classifier
