"""Jupyter displays (issue 11, item 3): the HTML that networks, layers, neurons, explanations,
health reports, histories and estimators return from ``_repr_html_``, parsed and checked."""

from __future__ import annotations

import base64
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
import sklearn

import neuronkit as nk
from neuronkit.history import History


class _Tables(HTMLParser):
    """The tables of a document (rows of (class, [cell texts])), its <img> sources and all its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[tuple[str | None, list[str]]]] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append((a.get("class"), []))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "style":
            self._style = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1][1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    p.close()
    return p


def body_rows(table: list[tuple[str | None, list[str]]]) -> list[list[str]]:
    return [cells for _, cells in table[1:]]


# ---------------------------------------------------------------------------- networks, layers, estimators
def test_network_table_has_a_row_per_layer_with_neurons_and_parameters() -> None:
    net = nk.Sequential(nk.Dense(4, 8, activation="relu", seed=0), nk.Dropout(0.5, seed=0),
                        nk.Dense(8, 3, activation="softmax", seed=1))
    doc = parse(net._repr_html_())
    assert len(doc.tables) == 1
    rows = body_rows(doc.tables[0])
    assert rows == [["input", "Input", "4", "(pass-through)", "0", "0 bytes", "0"],  # memory in float32, MACs
                    ["hidden1", "Dense", "8", "relu", "40", "160 bytes", "32"],
                    ["dropout1", "Dropout", "", "-", "0", "0 bytes", "0"],
                    ["output", "Dense", "3", "softmax", "27", "108 bytes", "24"],
                    ["total", "", "", "", "67", "268 bytes", "56"]]
    assert net.num_parameters() == 67
    assert doc.tables[0][-1][0] == "nk-total"
    assert "<script" not in net._repr_html_() and "javascript" not in net._repr_html_().lower()
    assert "Sequential: 3 layers" in "".join(doc.text)
    assert "per prediction: 56 MACs, ~612 pJ" in "".join(doc.text)  # 56·4.6 + 22 adds·0.9 + 67 reads·5 = 612.4
    # the summary object displays the same table
    assert body_rows(parse(net.summary()._repr_html_()).tables[0]) == rows


def test_layer_and_feature_names_are_escaped() -> None:
    net = nk.Sequential(("<script>alert(1)</script>", nk.Dense(2, 3, seed=0)), nk.Dense(3, 1, seed=1))
    for html in (net._repr_html_(), net[0]._repr_html_(), net[0].neurons[0]._repr_html_()):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert body_rows(parse(net._repr_html_()).tables[0])[1][0] == "<script>alert(1)</script>"  # the text, unescaped


def test_layer_shows_its_neurons_weight_shape_and_activation() -> None:
    layer = nk.Dense(3, 5, activation="tanh", seed=0, name="h")
    layer.bias.data[:] = np.arange(5) / 4
    doc = parse(layer._repr_html_())
    facts = dict(body_rows(doc.tables[0]))
    assert facts["weight shape"] == "5 × 3" and facts["bias shape"] == "5"
    assert facts["activation"].startswith("tanh")
    assert facts["parameters"] == "20"
    neurons = body_rows(doc.tables[1])
    assert [r[0] for r in neurons] == [f"h[{i}]" for i in range(5)]
    assert [float(r[2]) for r in neurons] == [0.0, 0.25, 0.5, 0.75, 1.0]
    first = [float(v) for v in neurons[2][1].strip("[]").split(", ")]
    np.testing.assert_allclose(first, layer.weight.data[2], rtol=1e-3)


def test_a_wide_layer_lists_its_first_neurons_and_counts_the_rest() -> None:
    doc = parse(nk.Dense(2, 50, seed=0, name="wide")._repr_html_())
    neurons = body_rows(doc.tables[1])
    assert len(neurons) == 21 and neurons[-1][0] == "… 30 more neurons"


def test_estimator_keeps_sklearns_display_and_adds_the_network_once_fitted() -> None:
    X = np.random.default_rng(0).normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = nk.NeuralClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0, tol=0)
    unfitted = clf._repr_html_()
    assert "sk-estimator" in unfitted and "nk-repr" not in unfitted  # scikit-learn's own diagram, nothing more
    with pytest.warns(sklearn.exceptions.ConvergenceWarning):
        clf.fit(X, y)
    html = clf._repr_html_()
    assert html.startswith(unfitted[:40]) and "sk-estimator" in html  # still scikit-learn's first
    rows = body_rows(parse(html).tables[-1])
    assert rows[1] == ["hidden1", "Dense", "4", "relu", "16", "64 bytes", "12"]
    assert rows[-1][-3:] == ["26", "104 bytes", "20"]  # parameters, float32 memory, MACs 3·4 + 4·2
    assert body_rows(parse(clf._repr_mimebundle_()["text/html"]).tables[-1]) == rows  # Jupyter's other route
    with sklearn.config_context(display="text"):  # scikit-learn's switch still turns the HTML off
        assert not hasattr(clf, "_repr_html_")
        assert "text/html" not in clf._repr_mimebundle_()


# ---------------------------------------------------------------------------- neurons and their arithmetic
def test_neuron_shows_its_weights_and_bias() -> None:
    doc = parse(nk.Neuron(weights=[0.8, -0.6], bias=0.2, activation="relu")._repr_html_())
    assert body_rows(doc.tables[0]) == [["w1", "0.8"], ["w2", "-0.6"], ["bias b", "0.2"]]
    assert "relu" in "".join(doc.text)


def test_explanation_table_is_the_arithmetic() -> None:
    layer = nk.Dense(4, 3, activation="sigmoid", seed=3, dtype=np.float64, name="h")
    layer.bias.data[1] = -0.35
    x = np.array([0.5, -1.25, 2.0, 0.125])
    e = layer.neurons[1].explain(x)
    rows = body_rows(parse(e._repr_html_()).tables[0])
    inputs, steps = rows[:4], {r[0]: r[-1] for r in rows[4:]}
    for i, (index, xi, wi, product) in enumerate(inputs):
        assert int(index) == i + 1
        assert float(xi) == pytest.approx(x[i], rel=1e-9)
        assert float(wi) == pytest.approx(layer.weight.data[1, i], rel=1e-9)
        assert float(product) == pytest.approx(float(wi) * float(xi), rel=1e-9)
    assert float(steps["sum Σ w_i·x_i"]) == pytest.approx(sum(float(r[3]) for r in inputs), rel=1e-9)
    assert float(steps["sum Σ w_i·x_i"]) == pytest.approx(e.weighted_sum, rel=1e-9)
    assert float(steps["bias b"]) == -0.35
    assert float(steps["z = sum + b"]) == pytest.approx(e.z, rel=1e-9)
    assert float(steps["output"]) == pytest.approx(e.output, rel=1e-9)
    assert float(steps["output"]) == pytest.approx(1 / (1 + np.exp(-e.z)), rel=1e-9)
    activation = next(label for label in steps if label.startswith("activation"))
    assert activation.startswith("activation: sigmoid(z) = ")


def test_explanation_of_the_texts_worked_example() -> None:
    e = nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu").explain([0.5, 0.3])
    rows = body_rows(parse(e._repr_html_()).tables[0])
    assert rows[:2] == [["1", "0.5", "0.8", "0.4"], ["2", "0.3", "0.6", "0.18"]]
    assert rows[2:] == [["sum Σ w_i·x_i", "0.58"], ["bias b", "0.2"], ["z = sum + b", "0.78"],
                        ["activation: relu(z) = max(0, z) = max(0, 0.78) = 0.78", ""], ["output", "0.78"]]


def test_explanation_shows_names_raw_values_and_top_products_escaped() -> None:
    n = nk.Neuron(weights=[0.1, -2.0, 0.5], bias=0.0)
    e = n.explain([1.0, 1.0, 1.0], names=["a", "<script>", "b&c"], raw=[10, 20, 30], top=2)
    html = e._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "b&amp;c" in html
    doc = parse(html)
    assert doc.tables[0][0][1] == ["i", "input", "x_i", "raw", "w_i", "w_i·x_i"]
    rows = body_rows(doc.tables[0])
    assert rows[0] == ["2", "<script>", "1", "20", "-2", "-2"] and rows[1] == ["3", "b&c", "1", "30", "0.5", "0.5"]
    assert rows[2] == ["… 1 more, together", "0.1"]
    assert rows[3] == ["sum Σ w_i·x_i", "-1.4"]


# ---------------------------------------------------------------------------- health report
def test_health_report_highlights_a_dead_neuron_with_its_remedy() -> None:
    net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    net["hidden1"].bias.data[1] = -100.0  # potentials always negative: a dead ReLU
    report = nk.inspect.health(net, np.random.default_rng(0).normal(size=(50, 2)))
    doc = parse(report._repr_html_())
    layers, problems = doc.tables
    assert [(cls, cells[0], cells[4]) for cls, cells in layers[1:]] == [("nk-bad", "hidden1", "1"),
                                                                        (None, "output", "-")]
    dead = [(cls, cells) for cls, cells in problems[1:] if cells[0] == "dead"]
    assert len(dead) == 1
    cls, (kind, layer, neurons, finding, remedy) = dead[0]
    assert cls == "nk-bad" and layer == "hidden1" and neurons == "hidden1[1]"
    assert remedy == report.problems_of("dead")[0].remedy and remedy.startswith("A dead relu neuron")
    assert "hidden1[1]" in finding


def test_healthy_report_says_so_and_escapes_layer_names() -> None:
    net = nk.Sequential(("<b>in</b>", nk.Dense(2, 3, activation="tanh", seed=0)), nk.Dense(3, 1, seed=1))
    report = nk.inspect.health(net, np.random.default_rng(1).normal(size=(40, 2)) * 0.1)
    html = report._repr_html_()
    assert report.ok and "no problems found" in html
    assert "<b>in</b>" not in html and "&lt;b&gt;in&lt;/b&gt;" in html
    assert len(parse(html).tables) == 1


# ---------------------------------------------------------------------------- history
def _history() -> History:
    h = History()
    for epoch, (loss, val) in enumerate([(1.0, 1.1), (0.6, 0.8), (0.4, 0.7), (0.3, 0.75)]):
        h.append(epoch, {"loss": loss, "val_loss": val, "<script>": 0.5})
    return h


def test_history_table_diagnosis_and_loss_curve_png() -> None:
    pytest.importorskip("matplotlib")
    h = _history()
    html = h._repr_html_()
    doc = parse(html)
    assert body_rows(doc.tables[0]) == [["loss", "1", "0.3"], ["val_loss", "1.1", "0.75"], ["<script>", "0.5", "0.5"]]
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert h.diagnosis() in "".join(doc.text)
    assert len(doc.images) == 1 and doc.images[0].startswith("data:image/png;base64,")
    png = base64.b64decode(doc.images[0].split(",", 1)[1], validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_history_without_matplotlib_is_the_table_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if not installed
    html = _history()._repr_html_()
    doc = parse(html)
    assert doc.images == [] and "<img" not in html
    assert body_rows(doc.tables[0])[0] == ["loss", "1", "0.3"]


def test_empty_history_says_so() -> None:
    html = History()._repr_html_()
    assert "no epochs recorded yet" in html and "<table" not in html
