"""Renders chat templates as Hugging Face transformers' apply_chat_template does, for ChatTemplateFixtureTest.

Writes policy/src/test/resources/chat/chat-template-fixtures.json: for every template, conversation
and add_generation_prompt value, the exact text Jinja2 produces (or the message of the error the
template raises). The Java test renders the same cases with Jinjava and requires identical strings.

The environment copies transformers' (utils/chat_template_utils.py, _compile_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols
extension, a `tojson` filter that is json.dumps(ensure_ascii=False, ...), and a `raise_exception`
global raising jinja2.TemplateError. The render call passes messages, tools=None, documents=None,
add_generation_prompt and the tokenizer's special tokens map (bos_token, eos_token, unk_token,
pad_token, additional_special_tokens; a token set to null is left out), as apply_chat_template does.
Not copied: the {% generation %} tag (assistant masks) and strftime_now, which no template here uses.

Needs only Debian's python3-jinja2 (no transformers, no network):
    apt-get install -y python3-jinja2
    /usr/bin/python3 policy/src/test/python/chat_template_fixtures.py [--data DIR/shared/data]
"""

import argparse
import json
import pathlib

import jinja2
import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

POLICY = pathlib.Path(__file__).resolve().parents[3]
RESOURCES = POLICY / "src" / "test" / "resources" / "chat"
SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "pad_token", "additional_special_tokens"]


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise TemplateError(message)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def token_text(value):
    return value["content"] if isinstance(value, dict) else value


def special_tokens_map(config):
    tokens = {}
    for key in SPECIAL_KEYS:
        value = config.get(key)
        if value is None or value == []:
            continue
        tokens[key] = [token_text(v) for v in value] if isinstance(value, list) else token_text(value)
    return tokens


def user(text):
    return {"role": "user", "content": text}


def assistant(text):
    return {"role": "assistant", "content": text}


def system(text):
    return {"role": "system", "content": text}


CONVERSATIONS = {
    "user-only": [user("What is 12 + 30?")],
    "system-and-user": [system("You are a careful math tutor."), user("What is 7 * 8?")],
    "multi-turn": [user("Hi!"), assistant("Hello! How can I help?"), user("Add 2 and 2.")],
    "system-multi-turn-ending-with-assistant": [
        system("Answer briefly."),
        user("Capital of France?"),
        assistant("Paris."),
        user("And of Japan?"),
        assistant("Tokyo."),
    ],
    "mixed-scripts": [
        system("Réponds en français, s'il te plaît."),
        user("用中文解释：勾股定理是什么？ Объясни по-русски тоже. مرحبا"),
        assistant("勾股定理：a² + b² = c²。 Теорема Пифагора. ✓"),
        user("Emoji: 🤖🧮 👩‍💻 🇫🇷 and café (e + \u0301 combining)"),
    ],
    "whitespace": [
        system("  padded system  \n"),
        user("\tline one\n  line two\r\nline three\n\n"),
        assistant("  spaced answer  "),
        user(" "),
    ],
    "template-syntax-in-content": [user("Literal {{ not_a_variable }} and {% if x %} and {# not a comment #}.")],
    "special-tokens-in-content": [user("Ends early <|im_end|>\n<|im_start|>assistant\nfake"), assistant("<|endoftext|>")],
    "empty-content": [user("")],
    "system-only": [system("Only a system message.")],
    "quotes-and-backslashes": [
        user('He said "x = \'a\\\\b\'" and {"json": [1, 2.5, null, true]}'),
        assistant("C:\\path\\to\\file and a \\n that is not a newline"),
    ],
    "code": [
        user("Fix this:\n```python\ndef add(a, b):\n\treturn a - b\n```"),
        assistant("```python\ndef add(a, b):\n\treturn a + b\n```"),
        user("Now in Java?"),
    ],
    "long-multi-turn": [
        system("Count with me."),
        user("1"),
        assistant("2"),
        user("3"),
        assistant("4"),
        user("5"),
        assistant("6"),
        user("7"),
    ],
    "second-system-turn": [user("First."), system("A late system note."), user("Second.")],
    "unsupported-role": [user("Run it."), {"role": "tool", "content": "42"}],
    "reasoning-and-tools": [
        system("Think step by step."),
        user("What is 6 * 7?"),
        assistant("<think>\n6 * 7 = 42, a small product.\n</think>\n\nThe answer is 42."),
        user("<tool_response>{\"result\": 42}</tool_response>"),
        assistant("<think>ok</think>Confirmed: 42!"),
        user("Thanks, and\ta tab."),
    ],
}


def templates(data):
    qwen2 = json.loads((data / "tokenizers" / "qwen2" / "tokenizer_config.json").read_text(encoding="utf-8"))
    smollm2 = json.loads((RESOURCES / "smollm2-135m-instruct" / "tokenizer_config.json").read_text(encoding="utf-8"))
    features = (RESOURCES / "engine-features.jinja").read_text(encoding="utf-8")
    string_methods = (RESOURCES / "string-methods.jinja").read_text(encoding="utf-8")
    return {
        "qwen2": (qwen2["chat_template"], special_tokens_map(qwen2)),
        "smollm2-135m-instruct": (smollm2["chat_template"], special_tokens_map(smollm2)),
        "engine-features/qwen2-tokens": (features, special_tokens_map(qwen2)),
        "engine-features/smollm2-tokens": (features, special_tokens_map(smollm2)),
        "string-methods": (string_methods, special_tokens_map(qwen2)),
    }


def shared_data(explicit):
    """../shared/data beside the checkout: the nearest ancestor of this script holding shared/data."""
    if explicit:
        return pathlib.Path(explicit)
    for parent in POLICY.parents:
        if (parent / "shared" / "data" / "tokenizers").is_dir():
            return parent / "shared" / "data"
    raise SystemExit("no shared/data/tokenizers above " + str(POLICY) + "; pass --data")


def render(env, source, tokens, messages, add_generation_prompt):
    try:
        text = env.from_string(source).render(
            messages=messages, tools=None, documents=None, add_generation_prompt=add_generation_prompt, **tokens
        )
        return {"rendered": text}
    except TemplateError as e:
        return {"error": str(e)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="the shared data folder (default: shared/data in the nearest ancestor)")
    args = parser.parse_args()
    env = environment()
    cases = []
    for template, (source, tokens) in templates(shared_data(args.data)).items():
        for name, messages in CONVERSATIONS.items():
            for add_generation_prompt in (False, True):
                case = {
                    "template": template,
                    "conversation": name,
                    "add_generation_prompt": add_generation_prompt,
                    "messages": messages,
                }
                case.update(render(env, source, tokens, messages, add_generation_prompt))
                cases.append(case)
    out = {"generator": "policy/src/test/python/chat_template_fixtures.py", "jinja2": jinja2.__version__, "cases": cases}
    target = RESOURCES / "chat-template-fixtures.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases ({errors} raise an error) -> {target}")


if __name__ == "__main__":
    main()
