"""A small fixed set of gold and predictions in the authors' layouts, scored by their own evaluators.

kg2instruction: DeepKE `example/llm/InstructKGC/kg2instruction/evaluate.py` (commit 4b27718), files of
`{"id"?, "instruction", "input", "output"}` records, run per language with its defaults
(`--match_mode set`, `--NAN ''`, `--prefix ''`) and `--metrics_list f1,rouge`. The gold carries ids, the
predictions (DeepKE's `{input, output}` layout) do not.

ie2instruction: IEPile `ie2instruction/eval_func.py` (commit 933918d) on one file of
`{"id", "instruction" (JSON text with input and schema), "label" (JSON text), "output"}` records, and DeepKE's
copy of it (`example/llm/InstructKGC/ie2instruction/eval_func.py`, which reads head/tail instead of
subject/object), both with their defaults (`--match_mode normal`, `--metrics_list f1`).

The records avoid what only one side's parser reads (full-width brackets, spaces after the commas of a
tuple), so the figures compare the matching and the metrics. AUTHORS_FIGURES are what their code printed.
"""

import json

EN_TEXTS = [
    "Wewak Airport, also known as Boram Airport, is an airport located in Wewak, Papua New Guinea.",
    "Douglas Adams was born in Cambridge and worked as a writer and a radio producer.",
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, 330 metres tall, built by the company of Gustave Eiffel.",
    "The Taj Mahal is a mausoleum in Agra, commissioned by Shah Jahan in memory of Mumtaz Mahal.",
    "Paris, Texas is a city in Lamar County, Texas, United States.",
    "Mount Wilhelm is the highest mountain in Papua New Guinea.",
    "The weather was pleasant that afternoon.",
]
EN_INSTRUCTION = ("You are an expert in extracting relation triples. With the candidate relation list: ['located in', 'alternative name', "
                  "'place of birth', 'occupation', 'height', 'creator', 'named after'], please extract the possible head entities and tail "
                  "entities from the input below and provide the corresponding relation triples. If a relation does not exist, output NAN. "
                  "Please answer in the {} format.")
EN_GOLD_OUTPUTS = [
    ("(Subject,Relation,Object)", "(Wewak Airport,located in,Wewak)\n(Wewak,located in,Papua New Guinea)\n(Wewak Airport,alternative name,Boram Airport)\nNAN\nNAN"),
    ("Subject is,Relation is,Object is", "Subject is Douglas Adams,Relation is place of birth,Object is Cambridge\nSubject is Douglas Adams,Relation is occupation,Object is writer"),
    ("Relation：Subject,Object", "located in：Eiffel Tower,Paris\nheight：Eiffel Tower,330 metres"),
    ("{'head':'', 'relation':'', 'tail':''}", "{'head': 'Taj Mahal', 'relation': 'located in', 'tail': 'Agra'}\n{'head': 'Taj Mahal', 'relation': 'named after', 'tail': 'Mumtaz Mahal'}\nNAN"),
    ("(Subject,Relation,Object)", "(Paris, Texas,located in,Lamar County)"),
    ("(Subject,Relation,Object)", "(Mount Wilhelm,located in,Papua New Guinea)"),
    ("(Subject,Relation,Object)", "NAN"),
]
EN_PRED_OUTPUTS = [  # by text index; index 5 has no prediction; the last is a prediction of a text not in the gold
    (0, "(Wewak Airport,located in,Wewak)\n(Wewak,located in,Papua  New Guinea)\n(wewak airport,alternative name,Boram Airport)\n(Wewak Airport,located in,Wewak)"),
    (1, "Subject is Douglas Adams,Relation is place of birth,Object is Cambridge\nSubject is Douglas Adams,Relation is occupation,Object is radio producer"),
    (2, "located in：Eiffel Tower,Paris\nheight：Eiffel Tower,330 m\ncreator：Eiffel Tower,Gustave Eiffel"),
    (3, "{'head': 'Taj Mahal', 'relation': 'named after', 'tail': 'Mumtaz Mahal'}\n{'head': 'Taj Mahal', 'relation': 'creator', 'tail': 'Shah Jahan'}"),
    (4, "(Paris, Texas,located in,Lamar County)\n(Lamar County,located in,Texas)"),
    (6, "NAN"),
    (None, "(Port Moresby,located in,Papua New Guinea)"),
]
UNPAIRED_TEXT = "Port Moresby is the capital of Papua New Guinea."

ZH_TEXTS = [
    "韦瓦克机场，又称博拉姆机场，位于巴布亚新几内亚韦瓦克。",
    "道格拉斯·亚当斯出生于剑桥，是一名作家和广播制作人。",
    "埃菲尔铁塔是位于巴黎的铁制镂空塔，高330米，由古斯塔夫·埃菲尔的公司设计建造。",
    "泰姬陵是位于阿格拉的陵墓，为纪念慕塔芝·玛哈而建。",
    "威廉山是巴布亚新几内亚的最高峰。",
    "那天下午天气很好。",
]
ZH_INSTRUCTION = "你是专门进行关系三元组提取的专家。已知候选的关系列表：['位于', '别名', '出生地点', '职业', '高度', '创建者', '名称由来']，请你根据关系列表，从以下输入中抽取出可能存在的头实体与尾实体，并给出对应的关系三元组，如果不存在某关系就输出NAN。请按照{}的格式回答。"
ZH_GOLD_OUTPUTS = [
    ("(头实体,关系,尾实体)", "(韦瓦克机场,位于,韦瓦克)\n(韦瓦克,位于,巴布亚新几内亚)\n(韦瓦克机场,别名,博拉姆机场)"),
    ("头实体是,关系是,尾实体是", "头实体是道格拉斯·亚当斯,关系是出生地点,尾实体是剑桥\n头实体是道格拉斯·亚当斯,关系是职业,尾实体是作家"),
    ("关系：头实体,尾实体", "位于：埃菲尔铁塔,巴黎\n高度：埃菲尔铁塔,330米"),
    ("{'head':'', 'relation':'', 'tail':''}", "{'head': '泰姬陵', 'relation': '位于', 'tail': '阿格拉'}\n{'head': '泰姬陵', 'relation': '名称由来', 'tail': '慕塔芝·玛哈'}"),
    ("(头实体,关系,尾实体)", "(威廉山,位于,巴布亚新几内亚)"),
    ("(头实体,关系,尾实体)", "NAN"),
]
ZH_PRED_OUTPUTS = [
    (0, "(韦瓦克机场,位于,韦瓦克)\n(韦瓦克机场,别名,博拉姆)\n(韦瓦克,位于,巴布亚新几内亚国)"),
    (1, "头实体是道格拉斯·亚当斯,关系是出生地点,尾实体是剑桥\n头实体是道格拉斯·亚当斯,关系是职业,尾实体是广播制作人"),
    (2, "位于：埃菲尔铁塔,巴黎\n高度：埃菲尔铁塔,330米\n创建者：埃菲尔铁塔,古斯塔夫·埃菲尔"),
    (3, "{'head': '泰姬陵', 'relation': '位于', 'tail': '阿格拉'}"),
    (5, "NAN"),
    (None, "(莫尔兹比港,位于,巴布亚新几内亚)"),
]
ZH_UNPAIRED_TEXT = "莫尔兹比港是巴布亚新几内亚的首都。"


def kg2instruction_files(language: str) -> tuple[list[dict], list[dict]]:
    """(gold, predictions) in kg2instruction's layout: gold with ids, predictions `{input, output}` only."""
    texts, instruction, gold_outputs, preds, unpaired = (
        (EN_TEXTS, EN_INSTRUCTION, EN_GOLD_OUTPUTS, EN_PRED_OUTPUTS, UNPAIRED_TEXT) if language == "en"
        else (ZH_TEXTS, ZH_INSTRUCTION, ZH_GOLD_OUTPUTS, ZH_PRED_OUTPUTS, ZH_UNPAIRED_TEXT))
    gold = [{"id": f"{language}{i}", "instruction": instruction.format(fmt), "input": text, "output": output}
            for i, (text, (fmt, output)) in enumerate(zip(texts, gold_outputs, strict=True))]
    pred = [{"input": texts[i] if i is not None else unpaired, "output": output} for i, output in preds]
    return gold, pred


def _ie_instruction(text: str, schema: list[str]) -> str:
    return json.dumps({"instruction": "You are an expert in relationship extraction. Please extract relationship triples that match the schema definition from the input. Return an empty list for relationships that do not exist. Please respond in the format of a JSON string.",
                       "schema": schema, "input": text}, ensure_ascii=False)


def _label(*triples: tuple[str, str, str]) -> str:
    return json.dumps([{"head": h, "relation": r, "tail": t} for h, r, t in triples], ensure_ascii=False)


def ie2instruction_file(subject: str = "subject", obj: str = "object") -> list[dict]:
    """One file of IEPile records (label and output side by side); `head`/`tail` for DeepKE's copy."""

    def out(d: dict) -> str:
        return json.dumps({rel: [{subject: h, obj: t} for h, t in pairs] if isinstance(pairs, list) else pairs for rel, pairs in d.items()}, ensure_ascii=False)

    wewak = _label(("Wewak Airport", "located in", "Wewak"), ("Wewak", "located in", "Papua New Guinea"), ("Wewak Airport", "alternative name", "Boram Airport"))
    taj = _label(("泰姬陵", "位于", "阿格拉"), ("泰姬陵", "名称由来", "慕塔芝·玛哈"))
    adams = _label(("Douglas Adams", "place of birth", "Cambridge"), ("Douglas Adams", "occupation", "writer"))
    return [
        # two label chunks of one text; the first predicts one triple twice (counted twice in `normal` mode)
        {"id": "w", "instruction": _ie_instruction(EN_TEXTS[0], ["located in"]), "label": wewak,
         "output": out({"located in": [("Wewak Airport", "Wewak"), ("Wewak Airport", "Wewak")]})},
        {"id": "w", "instruction": _ie_instruction(EN_TEXTS[0], ["alternative name"]), "label": wewak,
         "output": out({"alternative name": [("Wewak Airport", "Boram Airport"), ("wewak airport", "boram airport")]})},
        # a value that is not a list is skipped
        {"id": "t", "instruction": _ie_instruction(ZH_TEXTS[3], ["位于", "名称由来"]), "label": taj,
         "output": out({"位于": [("泰姬陵", "阿格拉")], "名称由来": "NAN"})},
        # an output cut off: not JSON, no triples (their error count)
        {"id": "a", "instruction": _ie_instruction(EN_TEXTS[1], ["place of birth", "occupation"]), "label": adams,
         "output": out({"place of birth": [("Douglas Adams", "Cambridge")]})[:-12]},
        {"id": "m", "instruction": _ie_instruction(EN_TEXTS[5], ["located in"]), "label": _label(("Mount Wilhelm", "located in", "Papua New Guinea")),
         "output": out({"located in": []})},
        {"id": "e", "instruction": _ie_instruction(EN_TEXTS[2], ["located in", "height"]), "label": _label(("Eiffel Tower", "located in", "Paris")),
         "output": out({"located in": [("Eiffel Tower", "Paris")], "height": [("Eiffel Tower", "330 metres")]})},
    ]


# (language, gold output, predicted output): ROUGE-2 F by kg2instruction eval/metrics.py Metric.get_rouge_score.
ROUGE_PAIRS = [
    ("en", "x y x y", "x y"),  # unique bigrams: {xy, yx} against {xy}
    ("en", "(The Eiffel Tower,located in,Paris)", "(Eiffel Tower,located in,Paris)\n(Eiffel Tower,located in,Paris)"),
    ("en", "located in：Eiffel Tower,Paris", "located in: Eiffel Tower, Paris"),  # the full-width colon is not ASCII punctuation
    ("en", "NAN", "NAN"),  # one token, no bigram
    ("en", "NAN", ""),
    ("zh", "(巴黎,首都,法国)\n(巴黎,位于,法兰西岛)", "(巴黎,首都,法国)"),
    ("zh", "头实体是巴黎,关系是首都,尾实体是法国", "头实体是巴黎，关系是首都，尾实体是法国"),  # punctuation kept: , and ， differ
    ("zh", "NAN", "NAN"),
]

# What the authors' evaluators printed on these files (see the module docstring for the commands), with
# their counters (Metric.tp / pred_num / gold_num / cnt) read at the end of the run.
AUTHORS_FIGURES = {
    # kg2instruction/evaluate.py: {'f1': ..., 'rouge-2': ...}; 'Miss: 1' (the gold record without prediction)
    "kg2instruction_en": {"tp": 5, "pred": 12, "gold": 10, "records": 6, "f1": 45.45454545454545, "rouge-2": 0.6391569361539509},
    "kg2instruction_zh": {"tp": 5, "pred": 9, "gold": 9, "records": 5, "f1": 55.55555555555556, "rouge-2": 0.6548646086114471},
    # ie2instruction/eval_func.py: {'总样本数': 5, '错误数': 1, 'P': 57.14, 'R': 44.44, 'F1': 50.0}, the same from both copies
    "ie2instruction": {"tp": 4, "pred": 7, "gold": 9, "records": 5, "errors": 1, "P": 57.14, "R": 44.44, "F1": 50.0},
}
# kg2instruction eval/metrics.py Metric(language=...).get_rouge_score(pred, gold)[1] for each of ROUGE_PAIRS
AUTHORS_ROUGE2 = [0.6666666622222223, 0.8888888839506174, 0.2857142808163266, 0.0, 0, 0.7058823483737025, 0.6363636313636364, 0.0]
