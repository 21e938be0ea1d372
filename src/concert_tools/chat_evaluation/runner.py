"""Runs the test set and the dialogues through the local assistant and computes the figures of docs/chat.md."""

from __future__ import annotations

import datetime as dt
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from concert_api.models import ChatRequest
from concert_api.services.chat.assistant import INTENTS
from concert_api.services.chat.local.assistant import LocalAssistant
from concert_tools.chat_evaluation.dialogues import PRESENT, Dialogue, Step, build_dialogues
from concert_tools.chat_evaluation.grounding import ungrounded_numbers
from concert_tools.chat_evaluation.test_set import EXPECTED_TYPES, Example, Fillers, build_examples


@dataclass
class EntityScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """The evaluation's figures and its failures (for reading, not for scoring)."""

    examples: int
    per_intent: dict[str, int]
    intent_accuracy: float
    macro_f1: float
    per_intent_f1: dict[str, float]
    oos_recall: float
    false_rejection_rate: float
    near_miss_recall: float
    near_misses: int
    generic_oos_recall: float
    per_intent_accuracy: dict[str, float]
    entities: dict[str, EntityScore]
    dialogues: int
    dialogue_success: float
    grounded_rate: float
    latency_ms_p50: float
    latency_ms_p95: float
    confusions: list[tuple[str, str, str]] = field(default_factory=list)
    entity_errors: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    failed_dialogues: list[tuple[str, int, str]] = field(default_factory=list)
    ungrounded: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def entity_micro_f1(self) -> float:
        total = EntityScore(sum(s.tp for s in self.entities.values()), sum(s.fp for s in self.entities.values()),
                            sum(s.fn for s in self.entities.values()))
        return total.f1

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values."""
        return {
            "examples": self.examples, "per_intent": self.per_intent,
            "intent_accuracy": round(self.intent_accuracy, 4), "macro_f1": round(self.macro_f1, 4),
            "per_intent_f1": {k: round(v, 4) for k, v in self.per_intent_f1.items()},
            "per_intent_accuracy": {k: round(v, 4) for k, v in self.per_intent_accuracy.items()},
            "oos_recall": round(self.oos_recall, 4), "false_rejection_rate": round(self.false_rejection_rate, 4),
            "near_misses": self.near_misses, "near_miss_recall": round(self.near_miss_recall, 4),
            "generic_oos_recall": round(self.generic_oos_recall, 4),
            "entity_f1": {k: round(v.f1, 4) for k, v in self.entities.items()},
            "entity_micro_f1": round(self.entity_micro_f1, 4),
            "dialogues": self.dialogues, "dialogue_success": round(self.dialogue_success, 4),
            "grounded_rate": round(self.grounded_rate, 4),
            "latency_ms_p50": round(self.latency_ms_p50, 2), "latency_ms_p95": round(self.latency_ms_p95, 2),
        }


def evaluate(assistant: LocalAssistant, today: dt.date, *, seed: int = 7) -> Report:
    """Score the assistant: every test utterance in a fresh session, then every scripted dialogue."""
    catalog = assistant.catalog
    examples = build_examples(catalog, today, seed)
    predicted: list[str] = []
    latencies: list[float] = []
    entities = {t: EntityScore() for t in EXPECTED_TYPES}
    confusions: list[tuple[str, str, str]] = []
    entity_errors: list[tuple[str, str, Any, Any]] = []
    ungrounded: list[tuple[str, list[str]]] = []
    grounded = 0
    for ex in examples:
        started = time.perf_counter()
        response = assistant.reply(ChatRequest(message=ex.text, session_id=_new_session()))
        latencies.append((time.perf_counter() - started) * 1000)
        predicted.append(response.intent)
        if response.intent != ex.intent:
            confusions.append((ex.text, ex.intent, response.intent))
        if ex.intent != "out_of_scope":  # what an out-of-scope message names is never used
            _score_entities(ex, response.data.get("entities", []), entities, entity_errors)
        missing = ungrounded_numbers(response.message, response.data)
        if missing:
            ungrounded.append((response.message, missing))
        else:
            grounded += 1
    gold = [ex.intent for ex in examples]
    per_intent_f1 = {intent: _f1(gold, predicted, intent) for intent in INTENTS}
    in_scope = [p for g, p in zip(gold, predicted, strict=True) if g != "out_of_scope"]
    oos = [p for g, p in zip(gold, predicted, strict=True) if g == "out_of_scope"]
    near = [p for ex, p in zip(examples, predicted, strict=True) if ex.near_miss]
    generic = [p for ex, p in zip(examples, predicted, strict=True) if ex.intent == "out_of_scope" and not ex.near_miss]
    per_intent_accuracy = {intent: _recall(gold, predicted, intent) for intent in INTENTS if intent in gold}
    dialogues = build_dialogues(Fillers.from_catalog(catalog), ambiguous_artist_word(assistant), today=today)
    failed = [f for d in dialogues if (f := run_dialogue(assistant, d)) is not None]
    ordered = sorted(latencies)
    return Report(
        examples=len(examples), per_intent=dict(Counter(gold)),
        intent_accuracy=sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        macro_f1=statistics.fmean(per_intent_f1.values()), per_intent_f1=per_intent_f1,
        oos_recall=sum(p == "out_of_scope" for p in oos) / len(oos) if oos else 1.0,
        false_rejection_rate=sum(p == "out_of_scope" for p in in_scope) / len(in_scope),
        near_miss_recall=sum(p == "out_of_scope" for p in near) / len(near) if near else 1.0, near_misses=len(near),
        generic_oos_recall=sum(p == "out_of_scope" for p in generic) / len(generic) if generic else 1.0,
        per_intent_accuracy=per_intent_accuracy,
        entities=entities, dialogues=len(dialogues), dialogue_success=1 - len(failed) / len(dialogues),
        grounded_rate=grounded / len(examples),
        latency_ms_p50=statistics.median(ordered), latency_ms_p95=ordered[int(0.95 * (len(ordered) - 1))],
        confusions=confusions, entity_errors=entity_errors, failed_dialogues=failed, ungrounded=ungrounded,
    )


def run_dialogue(assistant: LocalAssistant, dialogue: Dialogue) -> tuple[str, int, str] | None:
    """None when every turn does what the script says; else (dialogue, turn, what went wrong)."""
    session = _new_session()
    for i, step in enumerate(dialogue.steps, start=1):
        r = assistant.reply(ChatRequest(message=step.message, session_id=session))
        problem = None
        if r.intent != step.intent:
            problem = f"intent {r.intent!r}, expected {step.intent!r}"
        elif step.clarifies and r.data.get("tool"):
            problem = f"ran {r.data['tool']} instead of asking"
        elif step.tool and r.data.get("tool") != step.tool:
            problem = f"tool {r.data.get('tool')!r}, expected {step.tool!r}"
        elif step.suggestions_within and not set(r.suggestions) <= set(step.suggestions_within):
            problem = f"suggested {sorted(set(r.suggestions) - set(step.suggestions_within))}"
        elif step.tool:
            params = r.data.get("parameters", {})
            wrong = {k: params.get(k) for k, v in step.parameters.items() if not _expected(params.get(k), v)}
            if wrong:
                problem = f"parameters {wrong}, expected {step.parameters}"
        if problem is None:
            problem = _facts(step, r.message, r.data)
        if problem:
            return dialogue.name, i, f"{step.message!r}: {problem}"
    return None


def _expected(have: Any, want: Any) -> bool:
    return bool(have) if want is PRESENT else have == want


def _facts(step: Step, message: str, data: dict[str, Any]) -> str | None:
    """What the reply gets wrong of the step's expected facts, and any number it states that `data` lacks."""
    lowered = message.lower()
    unsaid = [s for s in step.says if s.lower() not in lowered]
    if unsaid:
        return f"the reply does not say {unsaid}: {message[:160]!r}"
    wrong = {k: data.get(k) for k, v in step.data.items() if not _expected(data.get(k), v)}
    if wrong:
        return f"data {wrong}, expected {step.data}"
    missing = ungrounded_numbers(message, data)
    return f"numbers {missing} are not in data" if missing else None


def _recall(gold: list[str], predicted: list[str], label: str) -> float:
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g == label]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 1.0


def ambiguous_artist_word(assistant: LocalAssistant) -> tuple[str, list[str]] | None:
    """A word that several artists' names share, and those names (for the clarification dialogue)."""
    matcher = assistant.matcher()
    for alias, targets in sorted(matcher.partial.items()):
        names = sorted({t.label for t in targets if t.type == "artist"})
        if " " not in alias and len(names) >= 2 and len(targets) == len(names):
            return alias.title(), names
    return None


def _score_entities(ex: Example, found: list[dict[str, Any]], scores: dict[str, EntityScore],
                    errors: list[tuple[str, str, Any, Any]]) -> None:
    got: dict[str, set[Any]] = {}
    for e in found:
        if e["type"] not in scores:
            continue
        value = e["value"]
        if e["type"] == "date":
            value = (value["date_from"], value["date_to"])
        got.setdefault(e["type"], set()).add(value)
    for kind, score in scores.items():
        expected = {ex.entities[kind]} if kind in ex.entities else set()
        have = got.get(kind, set())
        score.tp += len(expected & have)
        score.fp += len(have - expected)
        score.fn += len(expected - have)
        if expected != have:
            errors.append((ex.text, kind, sorted(expected, key=str), sorted(have, key=str)))


def _f1(gold: list[str], predicted: list[str], label: str) -> float:
    tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
    fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
    fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def _new_session() -> str:
    return f"eval-{uuid.uuid4().hex}"
