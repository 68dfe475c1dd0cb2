"""200 KB of component CSS and JS for `benches/statics.py`: ten components, each with
~10 KB of CSS and ~10 KB of JS, the same text for htag and NiceGUI (plain Python,
imported by both venvs). Deterministic: the same bytes in every process."""

COMPONENTS = 10


def css(i: int) -> str:
    rules = (
        f".c{i}-r{j} {{ margin: {j % 7}px {j % 5}px; padding: {j % 3}px; color: rgb({j % 255}, {i * 20}, 90); "
        f"border: 1px solid #{j % 9}{j % 7}{j % 5}; }}\n"
        for j in range(110)
    )
    return "".join(rules)


def js(i: int) -> str:
    fns = (f"  f{j}: function (x) {{ return (x * {j + 1} + {i}) % {j + 7}; }},\n" for j in range(190))
    return f"window.lib{i} = {{\n" + "".join(fns) + "};\n"


if __name__ == "__main__":
    total = sum(len(css(i)) + len(js(i)) for i in range(COMPONENTS))
    print(f"{total / 1024:.0f} KiB of CSS and JS")
