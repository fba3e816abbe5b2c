"""Train the stance classifier on NewsMTSC: ``python -m slant.train.stance``.

The bottom blocks of all-MiniLM-L6-v2 are frozen, so their outputs for every
training sentence are computed once and cached in memory (about 300 MB in
half precision); each epoch then runs only the top blocks and the head. The
checkpoint kept is the one with the best mean macro F1 over the two NewsMTSC
dev splits (``dev_test_split/newsmtsc-{rw,mt}/dev``); test splits are never
looked at here (``bench/stance.py`` reports them).

The defaults are those of the shipped model; on two shared CPU cores they take
about 8 minutes to cache the frozen blocks and 20 minutes to train.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Sequence

import torch
from torch.nn import functional as F

from slant.stance import data, metrics
from slant.stance.encode import encode
from slant.stance.model import LABELS, StanceNet, build, save

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "models" / "stance"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def cache_bottom(net: StanceNet, encoded: list[tuple[list[int], int]], batch: int = 64) -> list[torch.Tensor]:
    """The frozen blocks' output for every example, trimmed to its length, fp16."""
    out: list[torch.Tensor | None] = [None] * len(encoded)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    net.eval()
    with torch.no_grad():
        for b in range(0, len(order), batch):
            idx = order[b : b + batch]
            ids, mask = _pad([encoded[i][0] for i in idx])
            hidden = net.bottom(ids, mask)
            for row, i in enumerate(idx):
                out[i] = hidden[row, : len(encoded[i][0])].half().clone()
    return out  # type: ignore[return-value]


def _pad(seqs: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, : len(s)] = torch.tensor(s)
        mask[r, : len(s)] = 1
    return ids, mask


def _batch(hidden: list[torch.Tensor], idx: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(hidden[i].size(0) for i in idx)
    h = torch.zeros((len(idx), width, hidden[idx[0]].size(1)))
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for r, i in enumerate(idx):
        n = hidden[i].size(0)
        h[r, :n] = hidden[i].float()
        mask[r, :n] = 1
    return h, mask


def batches_by_length(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (less padding, same randomness of order)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    pool = size * 50
    for p in range(0, len(order), pool):
        chunk = sorted(order[p : p + pool], key=lambda i: lengths[i])
        out.extend(chunk[b : b + size] for b in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def evaluate(net: StanceNet, hidden: list[torch.Tensor], marker_pos: list[int], gold: list[int]) -> dict[str, float]:
    net.eval()
    preds: list[int] = [0] * len(gold)
    order = sorted(range(len(gold)), key=lambda i: hidden[i].size(0))
    with torch.no_grad():
        for b in range(0, len(order), 64):
            idx = order[b : b + 64]
            h, mask = _batch(hidden, idx)
            logits = net.top(h, mask, torch.tensor([marker_pos[i] for i in idx]))
            for i, p in zip(idx, logits.argmax(-1).tolist()):
                preds[i] = p
    net.train()
    return metrics.scores(gold, preds)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m slant.train.stance", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="NewsMTSC folder (default ../shared/data/newsmtsc)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the weights and config go")
    ap.add_argument("--epochs", type=float, default=2.5)
    ap.add_argument("--frozen", type=int, default=3, help="bottom blocks kept frozen (of 6)")
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-5, help="learning rate of the top blocks")
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--eval-every", type=int, default=91, help="steps between dev evaluations")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training targets (smoke runs)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="keep the frozen blocks' outputs in this file and reuse them on the next run")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: on shared cores, OpenMP spinning makes 2 slower)")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)

    train = data.read("train", args.data)
    if args.limit:
        train = train[: args.limit]
    devs = {name: data.read(name, args.data) for name in ("rw/dev", "mt/dev")}
    log(f"train {len(train)} targets; dev " + ", ".join(f"{k} {len(v)}" for k, v in devs.items()))

    net, tokenizer = build(frozen=args.frozen)
    enc_train = encode(tokenizer, [(t.sentence, t.start, t.end) for t in train], net.marker_ids, args.max_len)
    enc_devs = {k: encode(tokenizer, [(t.sentence, t.start, t.end) for t in v], net.marker_ids, args.max_len)
                for k, v in devs.items()}
    t0 = time.time()
    key = f"frozen={args.frozen} max_len={args.max_len} train={len(train)}"
    cached = torch.load(args.cache) if args.cache and args.cache.is_file() else {}
    if cached.get("key") == key:
        h_train, h_devs = cached["train"], cached["devs"]
        log(f"read the {args.frozen} frozen blocks' outputs from {args.cache}")
    else:
        h_train = cache_bottom(net, enc_train)
        h_devs = {k: cache_bottom(net, v) for k, v in enc_devs.items()}
        log(f"cached the {args.frozen} frozen blocks in {time.time() - t0:.0f}s")
        if args.cache:
            torch.save({"key": key, "train": h_train, "devs": h_devs}, args.cache)

    pos_train = [p for _, p in enc_train]
    y_train = [t.label for t in train]
    lengths = [len(ids) for ids, _ in enc_train]
    steps_per_epoch = (len(train) + args.batch - 1) // args.batch
    total = int(steps_per_epoch * args.epochs)
    warmup = max(1, total // 10)
    groups = [
        {"params": [p for p in net.top_layers.parameters()], "lr": args.lr, "weight_decay": args.weight_decay},
        {"params": list(net.head.parameters()), "lr": args.head_lr, "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups)
    base_lrs = [g["lr"] for g in opt.param_groups]

    def dev_scores() -> dict[str, dict[str, float]]:
        return {k: evaluate(net, h_devs[k], [p for _, p in enc_devs[k]], [t.label for t in devs[k]]) for k in devs}

    best = -1.0
    step = 0
    net.train()
    t0 = time.time()
    running = 0.0
    while step < total:
        for idx in batches_by_length(lengths, args.batch, rng):
            if step >= total:
                break
            scale = step / warmup if step < warmup else max(0.0, (total - step) / (total - warmup))
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * scale
            h, mask = _batch(h_train, idx)
            logits = net.top(h, mask, torch.tensor([pos_train[i] for i in idx]))
            loss = F.cross_entropy(logits, torch.tensor([y_train[i] for i in idx]),
                                   label_smoothing=args.label_smoothing)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
            opt.step()
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % args.eval_every == 0 or step == total:
                scores = dev_scores()
                mean_f1 = sum(s["f1_macro"] for s in scores.values()) / len(scores)
                line = ", ".join(f"{k} F1_m {s['f1_macro']:.4f} acc {s['accuracy']:.4f}" for k, s in scores.items())
                log(f"step {step}/{total} epoch {step / steps_per_epoch:.2f} loss {running:.4f} "
                    f"{(time.time() - t0) / step:.2f}s/step | {line}")
                if mean_f1 > best:
                    best = mean_f1
                    meta = {
                        "max_len": args.max_len,
                        "trained": {
                            "data": "NewsMTSC train.jsonl (MIT)",
                            "targets": len(train),
                            "step": step,
                            "epoch": round(step / steps_per_epoch, 2),
                            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                                     if k not in ("out", "data")},
                        },
                        "dev": {k: {m: round(v, 4) for m, v in s.items()} for k, s in scores.items()},
                    }
                    save(net, args.out, meta)
                    log(f"  saved (mean dev F1_m {best:.4f}) to {args.out}")
    log(f"done; best mean dev F1_m {best:.4f}; labels {LABELS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
