"""Every AWS call of the system, checked against the synthesized policies of the principal that makes it."""
import json
import os
import shutil
from pathlib import Path

import pytest

import iam_check as iam

TARGET = iam.REPO_ROOT / "test" / "target" / "iam"


@pytest.fixture(scope="session")
def assembly() -> iam.Assembly:
    given = os.environ.get("LGBMOPS_CDK_OUT")
    if given:
        return iam.Assembly(Path(given))
    outdir = TARGET / "cdk.out"
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    return iam.Assembly(iam.synthesize(outdir))


@pytest.fixture(scope="session")
def policies(assembly):
    return iam.policies(assembly)


@pytest.fixture(scope="session")
def stages(assembly):
    return iam.stages(assembly)


def all_calls(stage):
    if not iam.RECORDED_CALLS.exists():
        pytest.fail(f"{iam.RECORDED_CALLS} does not exist: run the lambda-deploy tests first (they record every AWS call)")
    return iam.recorded_calls(stage) + iam.table_calls(stage)


def denied(evaluator, stage):
    return {(r.caller, r.action, r.resource) for _, r, _ in iam.check(evaluator, all_calls(stage)).denied}


def test_everyCall_isAllowedForThePrincipalThatMakesIt(policies, stages):
    evaluator = iam.Evaluator(policies)
    TARGET.mkdir(parents=True, exist_ok=True)
    summary = []
    failures = []
    for stage in stages:
        calls = all_calls(stage)
        report = iam.check(evaluator, calls)
        (TARGET / f"permission-check-{stage.name}.txt").write_text(iam.table(report) + "\n")
        recorded = sum(1 for c, _, _, _ in report.checked if c.origin.startswith("recorded"))
        raw = sum(1 for line in iam.RECORDED_CALLS.read_text().splitlines() if line.strip() and '"build"' not in line)
        summary.append(f"{stage.name}: calls checked {len(report.checked)} (deploy Lambda {recorded}, from {raw} recorded calls; "
                       f"SageMaker/CloudWatch Logs on our behalf {len(report.checked) - recorded}), "
                       f"denied {len(report.denied)}, unfit resources {len(report.problems)}")
        failures += [f"{stage.name}: DENIED {r.action} on {r.resource} for {r.caller} ({c.origin}: {why})"
                     for c, r, why in report.denied]
        failures += [f"{stage.name}: {p}" for p in report.problems]
        operations = {c.origin for c in calls}
        for needed in ("recorded: SageMaker.CreateEndpoint", "recorded: SageMaker.UpdateEndpoint",
                       "recorded: SageMaker.CreateModel", "recorded: AnyScaleFrontendService.RegisterScalableTarget"):
            assert needed in operations, f"the lambda-deploy tests no longer record {needed}"
    (TARGET / "permission-check-summary.txt").write_text("\n".join(summary + failures) + "\n")
    print("\n" + "\n".join(summary))
    assert failures == []


def lint_against_acknowledgements(policies):
    """parliament's findings on the policies: those no acknowledgement covers, and the acknowledgements used."""
    acknowledgements = json.loads(iam.LINT_ACKNOWLEDGEMENTS.read_text())["acknowledgements"]
    findings = iam.lint(policies)
    unacknowledged, used = [], set()
    for finding in findings:
        ack = iam.acknowledged(finding, acknowledgements)
        if ack is None:
            unacknowledged.append(finding)
        else:
            used.add(acknowledgements.index(ack))
    return acknowledgements, findings, unacknowledged, used


def test_everySynthesizedPolicy_hasNoUnacknowledgedLinterFinding(policies):
    acknowledgements, findings, unacknowledged, used = lint_against_acknowledgements(policies)
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "parliament-findings.json").write_text(json.dumps(findings, indent=2) + "\n")
    print(f"\nlinter findings {len(findings)}: acknowledged {len(findings) - len(unacknowledged)} "
          f"(with {len(used)} acknowledgements), unacknowledged {len(unacknowledged)}")
    for ack in acknowledgements:
        assert len(ack["reason"]) >= 40, f"{ack} is acknowledged without a real reason"
    assert [a for i, a in enumerate(acknowledgements) if i not in used] == [], "acknowledgements no finding needs"
    assert unacknowledged == []


def test_control_withoutPassingTheJobRole_exactlyThoseCallsAreDenied(policies, stages):
    dev = stages[0]
    pipeline_role = dev.values["pipelineRole"].rsplit("/", 1)[-1]
    narrowed = iam.without_action(policies, pipeline_role, "iam:PassRole",
                                  resource_contains=dev.values["jobRole"].rsplit("/", 1)[-1])

    assert denied(iam.Evaluator(narrowed), dev) == {
        (dev.values["pipelineRole"], "iam:PassRole", dev.values["jobRole"])}


def test_control_createEndpointOnTheEndpointOnly_deniesTheEndpointConfigHalf(policies, stages):
    """Issue 10, finding 1: CreateEndpoint/UpdateEndpoint allowed on endpoint/<name> only."""
    dev = stages[0]
    deploy_role = dev.values["deployRole"].rsplit("/", 1)[-1]
    narrowed = iam.without_resource(policies, deploy_role, "sagemaker:CreateEndpoint", ":endpoint-config/")

    found = denied(iam.Evaluator(narrowed), dev)

    assert {action for _, action, _ in found} == {"sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"}
    assert all(":endpoint-config/" + dev.values["endpoint"] + "-v" in resource for _, _, resource in found), found


def test_control_rollbackAlarmsReadableOnlyByTheDeployFunction_deniesSageMakersGuardrailCalls(policies, stages):
    """Issue 10, finding 3: deployment guardrails read the alarms as the endpoint's execution role."""
    dev = stages[0]
    model_role = dev.values["modelRole"].rsplit("/", 1)[-1]
    narrowed = iam.without_action(policies, model_role, "cloudwatch:DescribeAlarms")

    alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
    assert denied(iam.Evaluator(narrowed), dev) == {
        (dev.values["modelRole"], "cloudwatch:DescribeAlarms", alarm + dev.values["rollbackAlarmServerErrors"]),
        (dev.values["modelRole"], "cloudwatch:DescribeAlarms", alarm + dev.values["rollbackAlarmLatency"])}


def test_control_describeLive_listsAndWritesOnlyItsEndpointsPrefixes(policies, stages):
    """The deploy function lists its endpoint's captures and writes its manifests, nothing beside."""
    monitored = [s for s in stages if "monitorPipelineRole" in s.values]
    assert monitored, "no stage captures its endpoint's requests"
    stage = monitored[0]
    v = stage.values
    recorded = [c for c in iam.recorded_calls(stage) if c.action in ("s3:ListBucket", "s3:PutObject")]
    assert {c.action for c in recorded} == {"s3:ListBucket", "s3:PutObject"}, "the lambda-deploy tests no longer record describe-live"
    assert all(f"/{v['endpoint']}/" in c.context.get("s3:prefix", "") + c.resources[0] for c in recorded), recorded
    bucket = f"arn:aws:s3:::{v['writeBucket']}"
    encrypted = {"s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": v["deployKey"]}
    elsewhere = [
        iam.Call("control", v["deployRole"], "s3:ListBucket", [bucket], {"s3:prefix": "datacapture/other-endpoint/"}, "other endpoint"),
        iam.Call("control", v["deployRole"], "s3:ListBucket", [bucket], {"s3:prefix": "pipeline-runs/"}, "run outputs"),
        iam.Call("control", v["deployRole"], "s3:PutObject", [f"{bucket}/monitoring/capture-manifests/other-endpoint/m.json"],
                 encrypted, "another endpoint's manifest"),
        iam.Call("control", v["deployRole"], "s3:PutObject", [f"{bucket}/pipeline-settings/no-captures.json"], encrypted,
                 "the stack's marker"),
    ]

    report = iam.check(iam.Evaluator(policies), elsewhere)

    assert len(report.denied) == len(elsewhere), [r for _, r, _ in report.denied]


def test_control_aLogGroupOutsideTheStage_isDeniedTheKey(policies, stages):
    dev = stages[0]
    rows = [r for r in json.loads(iam.CALLS_TABLE.read_text())["calls"] if r["caller"].startswith("logs.")]
    for row in rows:
        row["context"] = {k: v.replace("{buildLogGroup}", "/other-team/logs") for k, v in row["context"].items()}

    report = iam.check(iam.Evaluator(policies), iam.table_calls(dev, rows))

    assert len(report.denied) == len(rows) > 0


def test_resourceFit_whenARequiredResourceTypeIsMissing_namesIt():
    problems = iam.check_resources_fit("sagemaker:CreateEndpoint",
                                       ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/lgbmops-dev-endpoint"])

    assert len(problems) == 1 and "endpoint-config" in problems[0], problems


def test_control_withoutTheBatchStacksTransformAccess_exactlyTheTransformJobsOwnCallsAreDenied(policies, stages):
    """The transform job runs as the model role; the batch stack alone lets it read batch input and write scores."""
    dev = stages[0]
    narrowed = [p for p in policies if not p.source.startswith("LgbmOps-dev-Batch/ModelRoleTransformAccess")]
    assert len(narrowed) < len(policies), "the batch stack no longer attaches ModelRoleTransformAccess"

    found = denied(iam.Evaluator(narrowed), dev)

    assert {caller for caller, _, _ in found} == {dev.values["modelRole"]}
    expected = {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "kms:GenerateDataKey", "kms:CreateGrant",
                "logs:CreateLogStream", "logs:PutLogEvents"}
    if "monitorPipelineName" in dev.values:
        # A capturing stage's model role already encrypts its capture files with the stage key.
        expected.discard("kms:GenerateDataKey")
    assert {action for _, action, _ in found} == expected
    assert all(f"/{dev.values['batchInputPrefix']}/" in r or "/Score/" in r or "TransformJobs" in r
               or r in (dev.values["keyArn"], "arn:aws:s3:::" + dev.values["readBucket"]) for _, _, r in found), found


def test_control_withoutTheBatchRolesPassRoleOfTheModelRole_exactlyThatCallIsDenied(policies, stages):
    dev = stages[0]
    batch_role = dev.values["batchPipelineRole"].rsplit("/", 1)[-1]
    narrowed = iam.without_resource(policies, batch_role, "iam:PassRole", dev.values["modelRole"].rsplit("/", 1)[-1])

    assert denied(iam.Evaluator(narrowed), dev) == {
        (dev.values["batchPipelineRole"], "iam:PassRole", dev.values["modelRole"])}


def test_control_aTransformJobEncryptedWithAnotherKey_isDenied(policies, stages):
    dev = stages[0]
    rows = [r for r in json.loads(iam.CALLS_TABLE.read_text())["calls"] if r["action"] == "sagemaker:CreateTransformJob"]
    for row in rows:
        row["context"] = {**row["context"], "sagemaker:OutputKmsKey": "arn:aws:kms:us-east-1:123456789012:key/other"}

    report = iam.check(iam.Evaluator(policies), iam.table_calls(dev, rows))

    assert len(report.denied) == len(rows) == 1


@pytest.fixture(scope="session")
def clarify_assembly() -> iam.Assembly:
    outdir = TARGET / "cdk.out-clarify"
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    return iam.Assembly(iam.synthesize(outdir, {"dev": {"explainability": "clarify"}}))


def test_clarifyStage_everyCallOfTheClarifyStepsIsAllowed(clarify_assembly):
    (stage,) = iam.stages(clarify_assembly)
    evaluator = iam.Evaluator(iam.policies(clarify_assembly))
    clarify_rows = json.loads(iam.CLARIFY_CALLS_TABLE.read_text())["calls"]
    calls = all_calls(stage) + iam.table_calls(stage, clarify_rows)
    report = iam.check(evaluator, calls)
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "permission-check-dev-clarify.txt").write_text(iam.table(report) + "\n")
    assert "modelRole" in stage.values, "the clarify stage's definition has a Model step naming the model role"
    assert [f"DENIED {r.action} on {r.resource} for {r.caller} ({c.origin}: {why})"
            for c, r, why in report.denied] + list(report.problems) == []


def test_clarifyStage_everySynthesizedPolicy_hasNoUnacknowledgedLinterFinding(clarify_assembly):
    """The statements only a clarify stage has (models, shadow endpoints, their logs) pass the same linter."""
    _, findings, unacknowledged, _ = lint_against_acknowledgements(iam.policies(clarify_assembly))
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "parliament-findings-clarify.json").write_text(json.dumps(findings, indent=2) + "\n")
    assert findings, "the linter saw the clarify stage's policies"
    assert unacknowledged == []


def test_control_nativeStage_isDeniedTheClarifySteps(policies, stages):
    """A native stage's roles may not create models or shadow endpoints: the clarify statements are what allows them."""
    dev = next(s for s in stages if s.name == "dev")
    clarify_rows = json.loads(iam.CLARIFY_CALLS_TABLE.read_text())["calls"]
    denied = {r.action for _, r, _ in iam.check(iam.Evaluator(policies), iam.table_calls(dev, clarify_rows)).denied}
    assert {"sagemaker:CreateModel", "sagemaker:CreateEndpoint", "sagemaker:InvokeEndpoint"} <= denied, denied
