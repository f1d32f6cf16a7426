"""The indexer's record of each file's outcome: ids and signatures read back as reported."""
import numpy as np

from search.index import spool
from search.index.spool import Outcomes
from search.index.workers import FileOutcome
from search.reprints import SLOTS


def _outcome(source: str, items: int, seed: int) -> FileOutcome:
    rng = np.random.default_rng(seed)
    return FileOutcome(source, ids=[f"{source}-{n:02d}" for n in range(1, items + 1)],
                       signatures=rng.integers(0, 2**16, size=(items, SLOTS), dtype=np.uint16),
                       signed=rng.random(items) < 0.7, sha256=f"sha-{source}")


def test_batches_give_back_every_indexed_item_in_order_across_batch_bounds(tmp_path, monkeypatch):
    monkeypatch.setattr(spool, "BATCH_ROWS", 5)
    reported = [_outcome("a", 3, 1), FileOutcome("bad", error="not a briefing"), _outcome("b", 4, 2),
                FileOutcome("empty", sha256="sha-empty"), _outcome("c", 6, 3)]
    outcomes = Outcomes(tmp_path)
    for outcome in reported:
        outcomes.add(outcome)
    batches = list(outcomes.batches())
    outcomes.close()

    assert [len(ids) for ids, _, _ in batches] == [7, 6]  # a file's items are never split
    good = [o for o in reported if o.error is None and o.ids]
    assert np.concatenate([ids for ids, _, _ in batches]).tolist() == [i for o in good for i in o.ids]
    assert (np.concatenate([s for _, s, _ in batches]) == np.concatenate([o.signatures for o in good])).all()
    assert (np.concatenate([s for _, _, s in batches]) == np.concatenate([o.signed for o in good])).all()
    assert [(f.source, f.ids, f.sha256, f.error) for f in outcomes.files] == [
        (o.source, o.ids, o.sha256, o.error) for o in reported]


def test_the_spool_has_no_name_in_the_index_folder(tmp_path):
    outcomes = Outcomes(tmp_path)
    outcomes.add(_outcome("a", 2, 1))
    assert list(tmp_path.iterdir()) == []  # a killed run leaves nothing behind
    outcomes.close()


def test_a_run_of_failures_only_has_no_batches(tmp_path):
    outcomes = Outcomes(tmp_path)
    outcomes.add(FileOutcome("bad", error="unreadable"))
    assert list(outcomes.batches()) == [] and outcomes.files[0].ids == []
    outcomes.close()
