//! Code in the languages answers hold most, each as one open fenced block that grows: what the
//! render benchmark measures per language (syntect's grammars differ several-fold in cost per
//! line), and what the renderer's tests stream against a whole render.

/// Every language, by name: the fence's info string and the code repeated in it.
pub fn languages() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    vec![
        ("Python", "python", PYTHON),
        ("JavaScript", "javascript", JAVASCRIPT),
        ("TypeScript", "typescript", TYPESCRIPT),
        ("Rust", "rust", RUST),
        ("Go", "go", GO),
        ("Java", "java", JAVA),
        ("C", "c", C),
        ("C++", "cpp", CPP),
        ("Bash", "bash", BASH),
        ("SQL", "sql", SQL),
        ("JSON", "json", JSON),
        ("HTML", "html", HTML),
    ]
}

/// `sections` (with `{n}` numbered) repeated inside a ```` ```info ```` block until `bytes`
/// are reached; the block is not closed.
pub fn open_block(info: &str, sections: &[&str], bytes: usize) -> String {
    let mut out = format!("Here is the code:\n\n```{info}\n");
    let mut n = 0;
    while out.len() < bytes {
        out.push_str(&sections[n % sections.len()].replace("{n}", &n.to_string()));
        n += 1;
    }
    out
}

const PYTHON: &[&str] = &[
    "@dataclass(frozen=True)\nclass Step{n}:\n    \"\"\"A step of the pipeline, number {n}.\"\"\"\n    name: str\n    weight: float = 0.5\n\n",
    "def run_{n}(items: list[dict], *, limit: int = 10) -> dict[str, int]:\n    # Count the items by kind, at most `limit` of each.\n    counts: dict[str, int] = {}\n    for item in items:\n        kind = item.get(\"kind\", f\"unknown-{n}\")\n        if counts.get(kind, 0) >= limit:\n            continue\n        counts[kind] = counts.get(kind, 0) + 1\n    return {k: v * 2 for k, v in counts.items() if v > {n} % 3}\n\n",
    "async def fetch_{n}(session, url: str) -> bytes:\n    async with session.get(url, timeout=30) as resp:\n        resp.raise_for_status()\n        return await resp.read()\n\n",
];

const JAVASCRIPT: &[&str] = &[
    "/**\n * Step {n}: fetches and parses.\n * @param {string} url\n */\n",
    "export async function step{n}(url, options = {}) {\n  const response = await fetch(url, { ...options, method: 'GET' });\n  if (!response.ok) throw new Error(`step {n} failed: ${response.status}`);\n  const data = await response.json();\n  return data.items.filter((item) => item.weight > {n} % 7).map(({ id, name }) => ({ id, name }));\n}\n\n",
    "class Cache{n} extends Map {\n  get(key) {\n    const hit = super.get(key);\n    return hit === undefined ? null : hit; // a miss is null\n  }\n}\n\n",
];

const TYPESCRIPT: &[&str] = &[
    "/**\n * Step {n}: parses the input.\n * A comment that spans lines.\n */\n",
    "export function step{n}(input: string): Record<string, unknown> {\n  const parsed: { [key: string]: unknown } = JSON.parse(input);\n  const text = `template ${parsed} with <b>markup</b> & \"quotes\"`;\n  return { ...parsed, step: {n}, text };\n}\n\n",
    "interface Item{n}<T extends object> {\n  readonly id: number;\n  value?: T | null;\n}\n\n",
];

const RUST: &[&str] = &[
    "/// Step {n}: parses the input.\n#[derive(Debug, Clone, PartialEq)]\npub struct Step{n}<'a> {\n    name: &'a str,\n    weight: f64,\n}\n\n",
    "impl<'a> Step{n}<'a> {\n    pub fn parse(input: &'a str) -> Result<Self, Box<dyn std::error::Error>> {\n        let (name, weight) = input.split_once('=').ok_or(\"no `=` in step {n}\")?;\n        let weight: f64 = weight.trim().parse()?;\n        Ok(Self { name: name.trim(), weight: weight * {n}.0 })\n    }\n}\n\n",
    "fn total_{n}(steps: &[Step<'_>]) -> f64 {\n    steps.iter().filter(|s| s.weight > 0.5).map(|s| s.weight).sum::<f64>() // the sum\n}\n\n",
];

const GO: &[&str] = &[
    "// Step{n} parses the input.\ntype Step{n} struct {\n\tName   string  `json:\"name\"`\n\tWeight float64 `json:\"weight\"`\n}\n\n",
    "func Run{n}(ctx context.Context, items []Item) (map[string]int, error) {\n\tcounts := make(map[string]int)\n\tfor _, item := range items {\n\t\tif err := ctx.Err(); err != nil {\n\t\t\treturn nil, fmt.Errorf(\"step {n}: %w\", err)\n\t\t}\n\t\tcounts[item.Kind]++\n\t}\n\treturn counts, nil\n}\n\n",
];

const JAVA: &[&str] = &[
    "/**\n * Step {n}: counts the items by kind.\n */\n@Service\npublic class Step{n} implements Runnable {\n    private final Map<String, Integer> counts = new HashMap<>();\n\n",
    "    @Override\n    public void run() {\n        for (Item item : repository.findAll()) {\n            counts.merge(item.getKind(), 1, Integer::sum); // count it\n        }\n        log.info(\"step {n} counted {} kinds\", counts.size());\n    }\n}\n\n",
];

const C: &[&str] = &[
    "/* Step {n}: sums the weights. */\nstatic double step_{n}(const struct item *items, size_t len) {\n    double total = 0.0;\n    for (size_t i = 0; i < len; i++) {\n        if (items[i].weight > 0.5) total += items[i].weight; // keep it\n    }\n    return total * {n};\n}\n\n",
    "#define LIMIT_{n} ({n} * 16)\nint parse_{n}(const char *s, int *out) {\n    char *end;\n    long v = strtol(s, &end, 10);\n    if (*end != '\\0' || v > LIMIT_{n}) return -1;\n    *out = (int)v;\n    return 0;\n}\n\n",
];

const CPP: &[&str] = &[
    "template <typename T>\nclass Step{n} : public Base {\npublic:\n    explicit Step{n}(std::vector<T> items) : items_(std::move(items)) {}\n\n",
    "    [[nodiscard]] auto total() const -> double {\n        return std::accumulate(items_.begin(), items_.end(), 0.0,\n            [](double acc, const T& item) { return acc + item.weight(); }); // sum\n    }\n\nprivate:\n    std::vector<T> items_;\n};\n\n",
];

const BASH: &[&str] = &[
    "# Step {n}: build and copy.\nstep_{n}() {\n  local target=\"${1:-release}\"\n  if [[ ! -d \"build/$target\" ]]; then\n    mkdir -p \"build/$target\" || return 1\n  fi\n  cargo build --profile \"$target\" 2>&1 | tee \"logs/step-{n}.log\"\n",
    "  for f in target/\"$target\"/*.so; do\n    cp -- \"$f\" \"build/$target/$(basename \"$f\" .so)-{n}.so\"\n  done\n  echo \"step {n}: $(ls build/\"$target\" | wc -l) files\"\n}\n\n",
];

const SQL: &[&str] = &[
    "-- Step {n}: the busiest customers.\nSELECT c.id, c.name, COUNT(o.id) AS orders, SUM(o.total) AS spent\nFROM customers AS c\nLEFT JOIN orders AS o ON o.customer_id = c.id AND o.created_at > '2024-01-{n}'\nWHERE c.deleted_at IS NULL\nGROUP BY c.id, c.name\nHAVING COUNT(o.id) > {n}\nORDER BY spent DESC\nLIMIT 10;\n\n",
    "CREATE TABLE IF NOT EXISTS step_{n} (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL DEFAULT '',\n    weight REAL CHECK (weight >= 0)\n);\n\n",
];

const JSON: &[&str] = &[
    "  {\n    \"id\": {n},\n    \"name\": \"item {n}\",\n    \"tags\": [\"alpha\", \"beta\", \"gamma\"],\n    \"weight\": 0.{n},\n    \"active\": true,\n    \"owner\": { \"id\": \"u-{n}\", \"email\": \"someone@example.com\", \"roles\": null }\n  },\n",
];

const HTML: &[&str] = &[
    "<section id=\"step-{n}\" class=\"card\">\n  <!-- Step {n} -->\n  <h2 class=\"title\">Step {n}</h2>\n  <p>Some <em>text</em> with a <a href=\"https://example.com/{n}\" target=\"_blank\">link</a>.</p>\n",
    "  <form action=\"/submit/{n}\" method=\"post\">\n    <input type=\"text\" name=\"q\" placeholder=\"Search…\" required>\n    <button type=\"submit\" onclick=\"return check({n});\">Go</button>\n  </form>\n</section>\n",
    "<script>\n  document.querySelectorAll('.card').forEach((el) => el.classList.add('ready-{n}'));\n</script>\n<style>\n  .card { margin: 0 auto; color: #333; }\n</style>\n",
];
