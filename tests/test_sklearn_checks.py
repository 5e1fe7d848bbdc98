"""scikit-learn's own estimator checks, run in full on NeuralClassifier and NeuralRegressor.

``parametrize_with_checks`` yields every check scikit-learn has for a classifier and a
regressor (62 and 60 of them); each must pass: no expected failures, no xfail, no skip.
As in scikit-learn's own suite (``sklearn/utils/_test_common/instance_generator.py``):

* the instances are configured for speed as scikit-learn configures its MLP there
  (``max_iter=100``);
* one check gets its own parameters (scikit-learn's ``PER_ESTIMATOR_CHECK_PARAMS`` gives
  MLPClassifier ``solver="lbfgs"`` and MLPRegressor ``solver="sgd", tol=1e-2`` for it):
  ``check_sample_weight_equivalence_on_dense_data`` compares a fit with integer weights to
  a fit on the repeated samples at ``rtol=1e-7``. That holds for full-batch training
  (``batch_size=200`` covers its 15 weighted and ~30 repeated samples in one batch, as
  MLP's ``min(200, n)`` does; with several batches the two runs take different steps) in
  float64 (``dtype="float64"``, MLP's precision for float64 input: in float32 the two runs
  agree to float32 precision, ~1e-7, which ``tests/test_estimators.py`` checks).

The array-API check needs ``SCIPY_ARRAY_API=1`` (scikit-learn skips it otherwise); it is set
for that check alone, as scikit-learn's CI sets it.
"""

from __future__ import annotations

import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    check_dataframe_column_names_consistency,
    parametrize_with_checks,
)

import neuronkit as nk  # noqa: E402

ESTIMATORS = [nk.NeuralClassifier(max_iter=100), nk.NeuralRegressor(max_iter=100)]
PER_CHECK_PARAMS = {"check_sample_weight_equivalence_on_dense_data": {"dtype": "float64", "batch_size": 200}}


def check_name(check) -> str:
    return getattr(check, "func", check).__name__


# scikit-learn's checks train for max_iter=100 epochs on data where the loss is still falling, so fits end
# with the ConvergenceWarning that says so (true, and wanted everywhere else); scikit-learn's own MLP fails 52
# of its checks under -W error for the same reason. Only this module filters it.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    name = check_name(check)
    if name in PER_CHECK_PARAMS:
        estimator = clone(estimator).set_params(**PER_CHECK_PARAMS[name])
    if name == "check_array_api_input":
        monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def test_every_check_runs_on_both_estimators():
    """The count of checks (so that a check dropped from the list, or a tag that turns some off, shows)."""
    marks = parametrize_with_checks(ESTIMATORS).mark
    names = {type(e).__name__: [check_name(c) for est, c in marks.args[1] if est is e] for e in ESTIMATORS}
    assert len(names["NeuralClassifier"]) == 62 and len(names["NeuralRegressor"]) == 60
    for must in ("check_sample_weight_equivalence_on_dense_data", "check_estimators_partial_fit_n_features",
                 "check_n_features_in_after_fitting", "check_estimators_unfitted", "check_requires_y_none",
                 "check_estimators_nan_inf", "check_estimator_sparse_array", "check_complex_data"):
        assert must in names["NeuralClassifier"] and must in names["NeuralRegressor"], must
    assert "check_classifiers_regression_target" in names["NeuralClassifier"]
    assert "check_regressor_multioutput" in names["NeuralRegressor"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # as above
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_dataframe_column_names_consistency(estimator):
    """scikit-learn's check of feature names (not in the default list): DataFrames with other or reordered
    columns are refused by predict, predict_proba, score and a second partial_fit."""
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
