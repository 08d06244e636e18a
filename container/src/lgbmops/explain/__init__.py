"""The `explain` step: exact SHAP contributions and bias metrics of a trained model on the test
split, and the reports the pipeline gates on, registers with the model and shows to people.

`shap` and `bias` compute; `reports` shapes their results into `explainability.json` and
`bias.json` (Clarify's field names where a field means the same); `html` draws one
self-contained page. Nothing here reads or writes files except `reports.write_reports`.
"""
