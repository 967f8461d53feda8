"""Generation on Claude, tested at the HTTP edge: the real SDK, provider and service, with
only Anthropic's answers faked (``anthropic_http``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import time_machine
from rest_framework.test import APIClient

from accounts.models import Store
from content_ai.models import CreditEntry, Generation, Product
from content_ai.providers.claude import POSTS_SCHEMA, SYSTEM_PROMPT
from content_ai.services.credits import credit_balance
from publishing.platforms.base import Content
from publishing.platforms.registry import get_client
from tests.content_ai.conftest import AnthropicMock, error_response, message_response, timeout

URL = "/functions/v1/social-generate-content"
LINK = "https://shop.mollkom.com/product/summer-dress"


def generate(api: APIClient, product: Product, **overrides: Any) -> Any:
    body = {"product_id": str(product.product_id), "platform": "x", "tone": "casual"}
    body["language"] = "ar"
    body.update(overrides)
    return api.post(URL, body, format="json")


def kinds(store: Store) -> list[tuple[str, int]]:
    entries = CreditEntry.objects.filter(store=store).order_by("created_at", "id")
    return [(e.kind, e.amount) for e in entries]


def test_valid_answer_sends_the_documented_request_and_answers_in_the_contract_shape(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    anthropic_http.queue(
        message_response(
            [
                {
                    "text": "فستان صيفي مطرز بلمسة يدوية ✨ الآن بـ 279 ريال",
                    "hashtags": ["فساتين صيفية", "#تطريز"],
                }
            ]
        )
    )
    # Sunday 10:00 in Riyadh (07:00 UTC): X's peak hour, 22:00 local, is still ahead today.
    with time_machine.travel(datetime(2026, 4, 12, 7, 0, tzinfo=UTC), tick=False):
        response = generate(api, product)

    assert response.status_code == 200, response.json()
    text = "فستان صيفي مطرز بلمسة يدوية ✨ الآن بـ 279 ريال\n\n" + LINK + "\n#فساتين_صيفية #تطريز"
    assert response.json() == {
        "success": True,
        "content": {
            "text": text,
            "hashtags": ["#فساتين_صيفية", "#تطريز"],
            "suggested_time": "2026-04-12T19:00:00Z",
            "suggested_time_reason": (
                "الساعة 22:00 من أوقات التفاعل العالية على X (Twitter). "
                "أقرب موعد مناسب: الأحد 2026-04-12 22:00 بتوقيت الرياض."
            ),
        },
        "ai_credits_used": 1,
        "provider": "anthropic",
    }
    [request] = anthropic_http.requests
    assert request.url == "https://api.anthropic.com/v1/messages"
    assert request.headers["authorization"] == "Bearer sk-ant-test-key"  # this SDK version
    [sent] = anthropic_http.bodies()
    assert sent["model"] == "claude-sonnet-4-6"
    assert sent["system"] == [
        {"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}
    ]
    assert "Never invent a price, a discount" in SYSTEM_PROMPT
    assert sent["output_config"] == {"format": {"type": "json_schema", "schema": POSTS_SCHEMA}}
    assert POSTS_SCHEMA["properties"]["posts"]["items"]["required"] == ["text", "hashtags"]
    [turn] = sent["messages"]
    assert turn["role"] == "user"
    prompt = turn["content"]
    for fact in (
        "- title: فستان صيفي مطرز",
        "- price: 349.00 SAR",
        "- sale price: 279.00 SAR",
        "- category: فساتين",
        "- in stock: yes",
        "Tone: casual. Language: Arabic, dialect: msa.",
        "280 weighted characters",
        f"the product link is added on its own line: {LINK}",
        "- hashtags: 1 to 2",
    ):
        assert fact in prompt
    assert credit_balance(store=store) == 99
    generation = Generation.objects.get()
    assert (generation.status, generation.calls, generation.provider) == (
        "succeeded",
        1,
        "anthropic",
    )


def test_over_limit_answer_is_regenerated_once_and_the_shorter_one_used(
    api: APIClient, product: Product, anthropic_http: AnthropicMock
) -> None:
    long_text = "فستان صيفي خفيف ومريح " * 20
    anthropic_http.queue(
        message_response([{"text": long_text, "hashtags": ["فساتين"]}]),
        message_response([{"text": "فستان صيفي خفيف ومريح", "hashtags": ["فساتين"]}]),
    )
    response = generate(api, product)

    assert response.status_code == 200, response.json()
    assert response.json()["content"]["text"] == f"فستان صيفي خفيف ومريح\n\n{LINK}\n#فساتين"
    first, second = anthropic_http.bodies()
    feedback = second["messages"][0]["content"]
    assert "Your previous answer did not fit: X counts this text (with the link) as" in feedback
    assert "did not fit" not in first["messages"][0]["content"]
    assert second["system"] == first["system"]  # the cached prefix is reused


def test_still_over_limit_after_regeneration_is_trimmed_on_a_word_boundary(
    api: APIClient, product: Product, anthropic_http: AnthropicMock
) -> None:
    long_text = " ".join(f"كلمة{i}" for i in range(120))
    anthropic_http.queue(*[message_response([{"text": long_text, "hashtags": ["فساتين"]}])] * 2)
    response = generate(api, product)

    assert response.status_code == 200, response.json()
    text = response.json()["content"]["text"]
    body, tail = text.split("\n\n")
    assert tail == f"{LINK}\n#فساتين"
    assert body.endswith("…")
    assert long_text.startswith(body.removesuffix("…") + " ")  # whole words only
    # The publishing code's own check accepts it, and one more word would not fit.
    assert get_client("x").validate(Content(text=text)) == []
    words = body.removesuffix("…").split(" ")
    longer = " ".join(long_text.split(" ")[: len(words) + 1]) + "…"
    assert get_client("x").validate(Content(text=f"{longer}\n\n{tail}")) != []
    assert len(anthropic_http.requests) == 2
    assert Generation.objects.get().trimmed is True


def test_malformed_answer_is_a_502_and_the_credit_is_refunded(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    anthropic_http.queue(message_response('{"posts": [{"text": 42}]'))
    response = generate(api, product)

    assert response.status_code == 502
    assert response.json() == {
        "success": False,
        "error": {
            "code": "ai_bad_answer",
            "message": "The writer's answer was not in the expected format. No credits were used.",
            "details": {"credits_refunded": 1},
        },
    }
    assert credit_balance(store=store) == 100
    assert kinds(store) == [("grant", 100), ("spend", -1), ("refund", 1)]
    generation = Generation.objects.get()
    assert (generation.status, generation.error_code) == ("failed", "ai_bad_answer")


def test_cut_off_answer_is_malformed(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    anthropic_http.queue(message_response('{"posts": [{"text": "فستان', stop_reason="max_tokens"))
    response = generate(api, product)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "ai_bad_answer"
    assert credit_balance(store=store) == 100


def test_timeout_is_retried_then_504_with_the_credit_refunded(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    anthropic_http.always = timeout
    response = generate(api, product)

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "ai_timeout"
    assert len(anthropic_http.requests) == 2  # the first try and ANTHROPIC_MAX_RETRIES=1
    assert credit_balance(store=store) == 100
    assert kinds(store) == [("grant", 100), ("spend", -1), ("refund", 1)]


def test_rate_limited_is_retried_then_503_with_retry_after_and_refunded(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    anthropic_http.always = error_response(
        429, "rate_limit_error", "Number of requests has exceeded your rate limit",
        **{"retry-after": "7", "retry-after-ms": "10"},
    )  # fmt: skip
    response = generate(api, product)

    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert response.json()["error"]["code"] == "ai_rate_limited"
    assert len(anthropic_http.requests) == 2
    assert credit_balance(store=store) == 100


def test_rate_limited_once_then_answered_succeeds(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    anthropic_http.queue(
        error_response(429, "rate_limit_error", "slow down", **{"retry-after-ms": "10"}),
        message_response([{"text": "فستان صيفي", "hashtags": ["فساتين"]}]),
    )
    response = generate(api, product)

    assert response.status_code == 200, response.json()
    assert credit_balance(store=store) == 99


def test_arabic_output_underscored_hashtags_link_alone_and_isolated_handles(
    api: APIClient, product: Product, anthropic_http: AnthropicMock
) -> None:
    answer = {
        "text": "تابعوا @mollkom_shop للمزيد https://evil.example/x #تسوق #عروض_الصيف",
        "hashtags": ["عروض الصيف", "فساتين-صيفية", "فُستان"],
    }
    anthropic_http.queue(message_response([answer]))
    response = generate(api, product, platform="instagram")

    content = response.json()["content"]
    # Instagram captions have no clickable links: no URL at all, the model's one removed.
    assert content["text"] == (
        "تابعوا \u2066@mollkom_shop\u2069 للمزيد\n\n#عروض_الصيف #فساتين_صيفية #فستان #تسوق"
    )
    assert content["hashtags"] == ["#عروض_الصيف", "#فساتين_صيفية", "#فستان", "#تسوق"]


def test_variants_are_written_in_one_call_and_cost_one_credit_each(
    api: APIClient, store: Store, product: Product, anthropic_http: AnthropicMock
) -> None:
    posts = [{"text": f"فستان صيفي {i}", "hashtags": ["فساتين"]} for i in range(3)]
    anthropic_http.queue(message_response(posts))
    response = generate(api, product, variants=3, dialect="gulf")

    body = response.json()
    assert response.status_code == 200, body
    assert body["ai_credits_used"] == 3
    assert [v["text"] for v in body["variants"]] == [
        f"فستان صيفي {i}\n\n{LINK}\n#فساتين" for i in range(3)
    ]
    assert body["content"]["text"] == body["variants"][0]["text"]
    assert "Write 3 post(s)" in anthropic_http.bodies()[0]["messages"][0]["content"]
    assert "dialect: gulf" in anthropic_http.bodies()[0]["messages"][0]["content"]
    assert credit_balance(store=store) == 97
