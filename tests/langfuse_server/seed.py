"""A small, fixed production history: five traces and their scores (times relative to now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.langfuse_server.store import Store

T1 = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"  # chat input with an email, retrieval, tools; feedback 0
T2 = "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"  # wrong citation (boolean, on an observation)
T3 = "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8"  # staging, API key in the input; positive feedback
T4 = "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9"  # another trace name; categorical score
T5 = "e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"  # same input as T2; negative feedback
LONG_CHUNK = "Refunds are issued to the original card. " * 30


def seed(store: Store, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    store.add_trace(
        T1,
        input={"messages": [
            {"role": "system", "content": "You are a support copilot."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello! How can I help?"},
            {"role": "user", "content": "I'm jane.doe@example.com, why was I charged twice?"},
        ]},
        output={"role": "assistant", "content": "You were charged twice because of a retry."},
        tags=("billing", "support"), user="user-1", session="sess-1",
        start=now - timedelta(hours=2),
        children=(
            {"type": "RETRIEVER", "name": "retrieve",
             "input": {"query": "charged twice"},
             "output": [{"doc_id": "kb-billing", "text": LONG_CHUNK}, {"id": "kb-refunds"}]},
            {"type": "TOOL", "name": "search_kb", "input": {"query": "double charge"},
             "output": {"hits": 2}},
            {"type": "GENERATION", "name": "llm",
             "input": [{"role": "user", "content": "..."}],
             "output": {"role": "assistant", "content": "", "tool_calls": [
                 {"id": "call_1", "type": "function",
                  "function": {"name": "create_ticket", "arguments": "{\"priority\": \"high\"}"}}]}},  # noqa: E501
        ),
    )  # fmt: skip
    store.add_score(T1, "user_feedback", 0.0, at=now - timedelta(hours=1))
    store.add_trace(
        T2, input={"message": "How long is the refund window?"},
        output={"answer": "90 days [kb-returns]", "citations": [{"doc_id": "kb-returns"}]},
        tags=("support",), user="user-2", session="sess-9", start=now - timedelta(days=2),
        children=({"type": "SPAN", "name": "retrieval", "output": {"documents": ["kb-refunds"]}},),
    )  # fmt: skip
    store.add_score(T2, "wrong_citation", True, "BOOLEAN", at=now - timedelta(days=1),
                    observation=f"{T2[:8]}-root")  # fmt: skip
    store.add_trace(
        T3, input="Reset my password, my key is sk-live-ABCDEF1234567890", output="Done.",
        tags=("billing",), environment="staging", user="user-3", start=now - timedelta(days=10),
    )  # fmt: skip
    store.add_score(T3, "user_feedback", 1.0, at=now - timedelta(days=9))
    store.add_trace(
        T4, name="summarizer", input={"text": "Summarize ticket 8842"}, output="Summary...",
        user="user-1", start=now - timedelta(minutes=20),
    )  # fmt: skip
    store.add_score(T4, "quality", "bad", "CATEGORICAL", at=now - timedelta(minutes=10))
    store.add_trace(
        T5, input={"message": "How long is the refund window?"}, output={"answer": "No idea"},
        tags=("support",), user="user-4", start=now - timedelta(days=3),
    )  # fmt: skip
    store.add_score(T5, "user_feedback", -1.0, at=now - timedelta(days=3))
