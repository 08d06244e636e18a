"""The reference for the training-time comparison: plain pandas + lightgbm.train, nothing else.

Usage: raw_train.py TRAIN VALIDATION PARAMS_JSON ROUNDS PATIENCE MODEL_OUT
(TRAIN, VALIDATION: a CSV file, or a directory whose CSV files are read in name order)
"""
import json
import sys
from pathlib import Path

import lightgbm as lgb
import pandas as pd


def load(path, reference=None):
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    frame = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    labels = frame.pop(frame.columns[0])  # preprocess writes the label first
    for name in frame.columns:
        if frame[name].dtype == object:
            levels = None if reference is None else reference[name].cat.categories
            frame[name] = pd.Categorical(frame[name], categories=levels)
    return frame, labels


def main():
    train_csv, validation_csv, params, rounds, patience, model_out = sys.argv[1:]
    train_x, train_y = load(train_csv)
    validation_x, validation_y = load(validation_csv, train_x)
    train_set = lgb.Dataset(train_x, train_y)
    validation_set = lgb.Dataset(validation_x, validation_y, reference=train_set)
    booster = lgb.train(
        json.loads(params), train_set, num_boost_round=int(rounds), valid_sets=[validation_set],
        callbacks=[lgb.early_stopping(int(patience), verbose=False)] if int(patience) else [],
    )
    booster.save_model(model_out)
    print(f"best_iteration={booster.best_iteration}")


if __name__ == "__main__":
    main()
