"""Checks every AWS call the system makes against the synthesized IAM policies.

The calls come from two places: the deploy Lambda's calls as its emulator tests recorded them
(lambda-deploy/target/recorded-aws-calls.jsonl) and the calls SageMaker makes on our behalf,
documented per step type in sagemaker-calls.json. Each call is mapped to IAM actions and resource
ARNs with this stage's names, then evaluated the way IAM does for one account: an explicit deny in
any policy wins; otherwise the caller's identity policies (or, for a KMS key, the key policy) must
allow it. The action/resource database is policy_sentry's (ARN formats) and parliament's (which
resource types an action requires); parliament also lints every synthesized policy.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any, Iterable

from parliament import analyze_policy_string, iam_definition
from policy_sentry.querying.actions import get_action_data

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
CALLS_TABLE = HERE / "sagemaker-calls.json"
# What only a stage with "explainability": "clarify" adds (the Model and ClarifyCheck steps).
CLARIFY_CALLS_TABLE = HERE / "sagemaker-calls-clarify.json"
LINT_ACKNOWLEDGEMENTS = HERE / "parliament-acknowledgements.json"
RECORDED_CALLS = REPO_ROOT / "lambda-deploy" / "target" / "recorded-aws-calls.jsonl"

# The account and region every template is evaluated in; the recorded calls use the same ones.
ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}


# ---------------------------------------------------------------- synthesis


def synthesize(outdir: Path, stage_overrides: dict[str, dict] | None = None) -> Path:
    """Runs the packaged CDK app as `cdk synth` does, with cdk.json's context, into `outdir`;
    `stage_overrides`: keys set on top of those stages' settings (only those stages are synthesized)."""
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    if stage_overrides:
        context["stages"] = {name: {**context["stages"][name], **keys} for name, keys in stage_overrides.items()}
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update({"CDK_OUTDIR": str(outdir.resolve()), "CDK_CONTEXT_JSON": json.dumps(context),
                "AWS_EC2_METADATA_DISABLED": "true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
    jar = REPO_ROOT / "infra" / "target" / "infra.jar"
    if not jar.exists():
        raise FileNotFoundError(f"{jar} does not exist: package the infra module first (mvn -B package)")
    result = subprocess.run(["java", "-jar", str(jar)], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"synth failed ({result.returncode}): {result.stderr[-4000:]}")
    return outdir


# ---------------------------------------------------------------- templates


class Assembly:
    """The stacks of a cloud assembly, with CloudFormation intrinsics resolved to placeholder names."""

    def __init__(self, outdir: Path):
        self.templates = {p.name[: -len(".template.json")]: json.loads(p.read_text())
                          for p in sorted(outdir.glob("*.template.json"))}
        self.exports = {}
        for stack, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                if name:
                    self.exports[self.resolve(stack, name)] = (stack, output["Value"])

    def resources(self, stack: str, type_: str | None = None) -> dict[str, dict]:
        found = self.templates[stack].get("Resources", {})
        return {k: v for k, v in found.items() if type_ is None or v["Type"] == type_}

    def resolve(self, stack: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(stack, v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(stack, v) for k, v in value.items()}
        (fn, arg), = value.items()
        if fn == "Ref":
            return self._ref(stack, arg)
        if fn == "Fn::GetAtt":
            logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self._get_att(stack, logical, attribute)
        if fn == "Fn::Join":
            separator, parts = arg
            return separator.join(str(p) for p in self.resolve(stack, parts) if p is not None)
        if fn == "Fn::ImportValue":
            exporting, exported = self.exports[self.resolve(stack, arg)]
            return self.resolve(exporting, exported)
        if fn == "Fn::FindInMap":
            name, first, second = (self.resolve(stack, a) for a in arg)
            return self.templates[stack]["Mappings"][name][first][second]
        if fn == "Fn::Select":
            index, items = self.resolve(stack, arg)
            return items[int(index)]
        if fn == "Fn::Split":
            separator, text = self.resolve(stack, arg)
            return text.split(separator)
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(stack, arg[1]))

            def substitute(match):
                name = match.group(1)
                if name in variables:
                    return str(variables[name])
                if "." in name:
                    logical, attribute = name.split(".", 1)
                    return str(self._get_att(stack, logical, attribute))
                return str(self._ref(stack, name))
            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        if fn == "Fn::If":
            return self.resolve(stack, arg[1])
        return {k: self.resolve(stack, v) for k, v in value.items()}

    def _ref(self, stack: str, name: str) -> Any:
        if name in PSEUDO:
            return PSEUDO[name]
        if name == "AWS::StackName":
            return stack
        template = self.templates[stack]
        if name in template.get("Parameters", {}):
            return template["Parameters"][name].get("Default", f"<{name}>")
        resource = template["Resources"][name]
        props = resource.get("Properties", {})
        type_ = resource["Type"]
        named = {"AWS::IAM::Role": "RoleName", "AWS::S3::Bucket": "BucketName", "AWS::Lambda::Function": "FunctionName",
                 "AWS::ECR::Repository": "RepositoryName", "AWS::Logs::LogGroup": "LogGroupName",
                 "AWS::SageMaker::Pipeline": "PipelineName", "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName"}
        if type_ in named and named[type_] in props:
            return self.resolve(stack, props[named[type_]])
        if type_ == "AWS::Lambda::Alias":
            return f"{self._function_arn(stack, props['FunctionName'])}:{props['Name']}"
        if type_ == "AWS::StepFunctions::StateMachine":
            return f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{stack}-{name}"
        if type_ == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{stack}-{name}"
        return f"{stack}-{name}"

    def _function_arn(self, stack: str, function: Any) -> str:
        name = self.resolve(stack, function)
        return name if name.startswith("arn:") else f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}"

    def _get_att(self, stack: str, logical: str, attribute: str) -> Any:
        resource = self.templates[stack]["Resources"][logical]
        type_ = resource["Type"]
        name = self._ref(stack, logical)
        if attribute == "Arn":
            arns = {
                "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
                "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{name}",
                "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
                "AWS::ECR::Repository": f"arn:{PARTITION}:ecr:{REGION}:{ACCOUNT}:repository/{name}",
                "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
                "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
                "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{stack}-{logical}",
                "AWS::CodeBuild::Project": f"arn:{PARTITION}:codebuild:{REGION}:{ACCOUNT}:project/{name}",
                "AWS::Events::Rule": f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/{name}",
                "AWS::SageMaker::ModelPackageGroup": f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{name}",
            }
            if type_ in arns:
                return arns[type_]
        if type_.startswith("Custom::") and attribute in resource.get("Properties", {}):
            return self.resolve(stack, resource["Properties"][attribute])
        if type_ == "AWS::S3::Bucket" and attribute == "RegionalDomainName":
            return f"{name}.s3.{REGION}.amazonaws.com"
        return f"<{stack}.{logical}.{attribute}>"


# ---------------------------------------------------------------- policies


@dataclasses.dataclass
class Policy:
    """One policy document as deployed, with where it comes from."""
    kind: str          # identity | key | bucket | queue | trust
    owner: str         # role name, key ARN, bucket name, ...
    source: str        # stack/logical id
    document: dict


def policies(assembly: Assembly) -> list[Policy]:
    found: list[Policy] = []
    for stack, template in assembly.templates.items():
        for logical, resource in template.get("Resources", {}).items():
            props = resource.get("Properties", {})
            source = f"{stack}/{logical}"
            type_ = resource["Type"]
            if type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                document = assembly.resolve(stack, props["PolicyDocument"])
                for role in props.get("Roles", []):
                    found.append(Policy("identity", assembly.resolve(stack, role), source, document))
            elif type_ == "AWS::IAM::Role":
                name = assembly._ref(stack, logical)
                for inline in props.get("Policies", []):
                    found.append(Policy("identity", name, source, assembly.resolve(stack, inline["PolicyDocument"])))
                for managed in assembly.resolve(stack, props.get("ManagedPolicyArns", [])):
                    found.append(Policy("identity", name, source, managed_policy(managed)))
                found.append(Policy("trust", name, source, assembly.resolve(stack, props["AssumeRolePolicyDocument"])))
            elif type_ == "AWS::KMS::Key":
                found.append(Policy("key", assembly._get_att(stack, logical, "Arn"), source,
                                    assembly.resolve(stack, props["KeyPolicy"])))
            elif type_ == "AWS::S3::BucketPolicy":
                found.append(Policy("bucket", assembly.resolve(stack, props["Bucket"]), source,
                                    assembly.resolve(stack, props["PolicyDocument"])))
            elif type_ == "AWS::SQS::QueuePolicy":
                for queue in props.get("Queues", []):
                    found.append(Policy("queue", assembly.resolve(stack, queue), source,
                                        assembly.resolve(stack, props["PolicyDocument"])))
    return found


def managed_policy(arn: str) -> dict:
    """The one AWS managed policy the app uses; anything else is unknown and grants nothing here."""
    if arn.endswith(":policy/service-role/AWSLambdaBasicExecutionRole"):
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}]}
    return {"Version": "2012-10-17", "Statement": []}


def _listed(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards: * any run of characters, ? one character; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _condition_holds(operator: str, key: str, expected: list, context: dict) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        base = base[len(prefix):] if base.startswith(prefix) else base
    present = key in context
    if base == "Null":
        return any((str(e).lower() == "true") != present for e in expected)
    negated = "Not" in base
    if not present:
        return if_exists or negated
    actual = [str(v) for v in _listed(context[key])]
    expected = [str(e).lower() if isinstance(e, bool) else str(e) for e in expected]
    positive = base.replace("Not", "")
    if positive in ("StringEquals", "ArnEquals"):
        match = any(a == e for a in actual for e in expected)
    elif positive == "StringEqualsIgnoreCase":
        match = any(a.lower() == e.lower() for a in actual for e in expected)
    elif positive in ("StringLike", "ArnLike"):
        match = any(_like(e, a) for a in actual for e in expected)
    elif positive == "Bool":
        match = any(a.lower() == e.lower() for a in actual for e in expected)
    else:
        raise ValueError(f"condition operator {operator} is not evaluated by this check")
    return not match if negated else match


def _conditions_hold(statement: dict, context: dict) -> bool:
    for operator, keys in statement.get("Condition", {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, _listed(expected), context):
                return False
    return True


def _action_matches(statement: dict, action: str) -> bool:
    if "NotAction" in statement:
        return not any(_like(p, action, True) for p in _listed(statement["NotAction"]))
    return any(_like(p, action, True) for p in _listed(statement.get("Action")))


def _resource_matches(statement: dict, resource: str) -> bool:
    if "NotResource" in statement:
        return not any(_like(p, resource) for p in _listed(statement["NotResource"]))
    return any(_like(p, resource) for p in _listed(statement.get("Resource")))


def _principal_matches(statement: dict, principal: str) -> str | None:
    """How a resource policy statement names the caller: 'direct', 'account' (the account root), or None."""
    named = statement.get("Principal")
    if named == "*":
        return "direct"
    for kind, values in (named or {}).items():
        for value in _listed(values):
            if value == "*" or value == principal:
                return "direct"
            if kind == "AWS" and value in (f"arn:{PARTITION}:iam::{ACCOUNT}:root", ACCOUNT) \
                    and principal.startswith(f"arn:{PARTITION}:iam::{ACCOUNT}:"):
                return "account"
    return None


def _matching(statements: Iterable[dict], action: str, resource: str, context: dict) -> list[dict]:
    return [s for s in statements if _action_matches(s, action) and _resource_matches(s, resource)
            and _conditions_hold(s, context)]


@dataclasses.dataclass(frozen=True)
class Request:
    """One IAM authorization: who, what, on which resource, with which request context."""
    caller: str        # role ARN, or a service principal such as logs.us-east-1.amazonaws.com
    action: str
    resource: str
    context: tuple = ()

    def context_dict(self) -> dict:
        base = {"aws:SecureTransport": "true", "aws:PrincipalAccount": ACCOUNT, "aws:RequestedRegion": REGION}
        base.update(dict(self.context))
        return base


class Evaluator:
    def __init__(self, all_policies: list[Policy]):
        self.policies = all_policies

    def _statements(self, kind: str, owner: str) -> list[dict]:
        return [s for p in self.policies if p.kind == kind and p.owner == owner
                for s in _listed(p.document.get("Statement"))]

    def _resource_policy(self, resource: str) -> tuple[str, list[dict]] | None:
        if resource.startswith(f"arn:{PARTITION}:kms:"):
            return "key", self._statements("key", resource)
        if resource.startswith(f"arn:{PARTITION}:s3:::"):
            bucket = resource[len(f"arn:{PARTITION}:s3:::"):].split("/", 1)[0]
            return "bucket", self._statements("bucket", bucket)
        return None

    def decide(self, request: Request) -> tuple[bool, str]:
        context = request.context_dict()
        is_role = request.caller.startswith(f"arn:{PARTITION}:iam::")
        identity = self._statements("identity", request.caller.rsplit("/", 1)[-1]) if is_role else []
        resource_policy = self._resource_policy(request.resource)
        resource_statements = resource_policy[1] if resource_policy else []
        by_resource = [s for s in _matching(resource_statements, request.action, request.resource, context)
                       if _principal_matches(s, request.caller)]
        by_identity = _matching(identity, request.action, request.resource, context)
        if any(s.get("Effect") == "Deny" for s in by_resource + by_identity):
            return False, "explicit deny"
        direct = [s for s in by_resource if s.get("Effect") == "Allow" and _principal_matches(s, request.caller) == "direct"]
        delegated = [s for s in by_resource if s.get("Effect") == "Allow" and _principal_matches(s, request.caller) == "account"]
        identity_allows = any(s.get("Effect") == "Allow" for s in by_identity)
        if resource_policy and resource_policy[0] == "key":
            # A key policy must allow the caller itself, or the account (so that IAM policies can).
            if direct:
                return True, "key policy"
            return (True, "identity policy, key policy delegates to IAM") if delegated and identity_allows \
                else (False, "no key policy and identity policy allow")
        if direct or delegated:
            return True, "resource policy"
        return (True, "identity policy") if identity_allows else (False, "no policy allows")


# ---------------------------------------------------------------- the IAM database


@functools.lru_cache(maxsize=None)
def condition_keys(action: str) -> tuple[str, ...]:
    """The service condition keys IAM puts in the request context of `action` (${...} parts as wildcards)."""
    service, name = action.split(":", 1)
    rows = get_action_data(service, name)
    keys = {key for rows_ in rows.values() for row in rows_ for key in row["condition_keys"]}
    return tuple(sorted(re.sub(r"\$\{[^}]+\}|<[^>]+>", "*", key) for key in keys))


def supported_context(action: str, context: dict) -> dict:
    """Only the keys IAM sets for this action: a condition on any other key does not hold for an Allow."""
    return {k: v for k, v in context.items()
            if k.startswith("aws:") or any(_like(pattern, k, True) for pattern in condition_keys(action))}


@functools.lru_cache(maxsize=None)
def arn_formats(action: str) -> list[str]:
    service, name = action.split(":", 1)
    rows = get_action_data(service, name)
    if not rows:
        raise KeyError(f"{action} is not in policy_sentry's IAM database")
    return [row["resource_arn_format"] for rows_ in rows.values() for row in rows_ if row["resource_arn_format"] != "*"]


def _format_regex(arn_format: str) -> str:
    return re.sub(r"\\\$\\\{[^}]+\\\}", ".+", re.escape(arn_format))


def required_resource_formats(action: str) -> dict[str, str]:
    """resource type -> ARN format, for the resource types IAM requires for the action (marked * in the SAR)."""
    service, name = action.split(":", 1)
    for definition in iam_definition:
        if definition["prefix"] != service:
            continue
        resources = {r["resource"]: r["arn"] for r in definition["resources"]}
        for privilege in definition["privileges"]:
            if privilege["privilege"].lower() == name.lower():
                return {r["resource_type"][:-1]: resources[r["resource_type"][:-1]]
                        for r in privilege["resource_types"] if r["resource_type"].endswith("*")}
    raise KeyError(f"{action} is not in parliament's IAM database")


def check_resources_fit(action: str, resources: list[str]) -> list[str]:
    """Problems: a resource no ARN format of the action fits, or a required resource type not supplied."""
    problems = []
    formats = arn_formats(action)
    for resource in resources:
        if resource == "*":
            if formats:
                problems.append(f"{action} on * although it acts on {formats}")
        elif not any(re.fullmatch(_format_regex(f), resource) for f in formats):
            problems.append(f"{action} does not act on {resource} (its formats: {formats})")
    for type_, arn_format in required_resource_formats(action).items():
        if not any(re.fullmatch(_format_regex(arn_format), r) for r in resources):
            problems.append(f"{action} requires a {type_} resource ({arn_format}) that the call list does not name")
    return problems


# ---------------------------------------------------------------- the calls


@dataclasses.dataclass
class Call:
    """One AWS call and the authorizations it needs."""
    origin: str        # "recorded: SageMaker.CreateModel" or "table: <step>"
    caller: str
    action: str
    resources: list[str]
    context: dict
    why: str
    source: str = ""

    def requests(self) -> list[Request]:
        supported = supported_context(self.action, self.context)
        context = tuple(sorted((k, json.dumps(v) if isinstance(v, list) else v) for k, v in supported.items()))
        return [Request(self.caller, self.action, r, context) for r in self.resources]


@dataclasses.dataclass
class Stage:
    """What one stage's synthesized stacks name: roles, key, buckets, function, endpoint."""
    name: str
    values: dict

    def fill(self, text: str) -> str:
        def value(match):
            key = match.group(1)
            if key not in self.values:
                raise KeyError(f"sagemaker-calls.json uses {{{key}}}, which the check does not know")
            return str(self.values[key])
        return re.sub(r"\{([A-Za-z]+)\}", value, text)


def stages(assembly: Assembly) -> list[Stage]:
    names = sorted({s.split("-")[1] for s in assembly.templates if s.startswith("LgbmOps-")})
    return [stage(assembly, name) for name in names]


def stage(assembly: Assembly, name: str) -> Stage:
    pipeline_stack = f"LgbmOps-{name}-Pipeline"
    (pipeline_id, pipeline), = assembly.resources(pipeline_stack, "AWS::SageMaker::Pipeline").items()
    props = pipeline["Properties"]
    definition = json.loads(assembly.resolve(pipeline_stack, props["PipelineDefinition"]["PipelineDefinitionBody"]))
    steps: dict[str, dict] = {}

    def collect(listed):
        for step in listed:
            steps[step["Name"]] = step
            collect(step.get("Arguments", {}).get("IfSteps", []) + step.get("Arguments", {}).get("ElseSteps", []))
    collect(definition["Steps"])
    job_roles = {s["Arguments"]["RoleArn"] for s in steps.values() if s["Type"] in ("Processing", "ClarifyCheck")}
    job_roles |= {s["Arguments"]["TrainingJobDefinition"]["RoleArn"] for s in steps.values() if s["Type"] == "Tuning"}
    if len(job_roles) != 1:
        raise AssertionError(f"the jobs of {name} run as {sorted(job_roles)}: expected one job role")
    model_steps = [s for s in steps.values() if s["Type"] == "Model"]
    # Every Lambda step invokes the one deploy function.
    (deploy_function_arn,) = {json.dumps(s["FunctionArn"]) for s in steps.values() if s["Type"] == "Lambda"}
    processing = next(s for s in steps.values() if s["Type"] == "Processing")
    image = processing["Arguments"]["AppSpecification"]["ImageUri"]
    registry, repository = image.split(":")[0].split("/", 1)
    deploy_stack = f"LgbmOps-{name}-Deploy"
    deploy_function = next(r for r in assembly.resources(deploy_stack, "AWS::Lambda::Function").values()
                           if "DeployHandler" in str(r["Properties"].get("Handler")))
    environment = assembly.resolve(deploy_stack, deploy_function["Properties"]["Environment"]["Variables"])
    storage = f"LgbmOps-{name}-Storage"
    buckets = {logical: assembly._ref(storage, logical) for logical in ("ReadBucket", "WriteBucket")}
    build_logs = next(assembly.resolve(f"LgbmOps-{name}-Image", r["Properties"]["LogGroupName"])
                      for r in assembly.resources(f"LgbmOps-{name}-Image", "AWS::Logs::LogGroup").values()
                      if "KmsKeyId" in r["Properties"])
    values = {
        "partition": PARTITION, "region": REGION, "account": ACCOUNT,
        "pipelineRole": assembly.resolve(pipeline_stack, props["RoleArn"]),
        "jobRole": job_roles.pop(),
        # The pipeline creates no model now; the model role is the one the deploy function passes.
        "modelRole": (model_steps[0]["Arguments"]["ExecutionRoleArn"] if model_steps
                      else environment["EXECUTION_ROLE_ARN"]),
        "deployRole": assembly.resolve(deploy_stack, deploy_function["Properties"]["Role"]),
        "deployFunctionArn": json.loads(deploy_function_arn),
        "keyArn": processing["Arguments"]["ProcessingOutputConfig"]["KmsKeyId"],
        "readBucket": buckets["ReadBucket"],
        "writeBucket": buckets["WriteBucket"],
        "repositoryArn": f"arn:{PARTITION}:ecr:{REGION}:{registry.split('.')[0]}:repository/{repository}",
        "endpoint": environment["ENDPOINT_NAME"],
        "modelPackageGroup": environment["MODEL_PACKAGE_GROUP_NAME"],
        "deployModelRole": environment["EXECUTION_ROLE_ARN"],
        "deployKey": environment["KMS_KEY_ID"],
        "rollbackAlarms": environment["ROLLBACK_ALARM_NAMES"].split(","),
        "buildLogGroup": build_logs,
        "pipelineName": props["PipelineName"],
        "rollbackAlarmServerErrors": environment["ROLLBACK_ALARM_NAMES"].split(",")[0],
        "rollbackAlarmLatency": environment["ROLLBACK_ALARM_NAMES"].split(",")[1],
        "retrainPipeline": environment.get("TRAINING_PIPELINE_NAME", ""),
        "metricsNamespace": environment.get("METRICS_NAMESPACE", ""),
        **monitor_values(assembly, name),
    }
    values.update(batch_values(assembly, name, values))
    return Stage(name, values)


def monitor_values(assembly: Assembly, name: str) -> dict:
    """The monitoring stack's pipeline, its roles and the alarm names; empty where the stage captures nothing."""
    stack = f"LgbmOps-{name}-Monitor"
    if stack not in assembly.templates:
        return {}
    (_, pipeline), = assembly.resources(stack, "AWS::SageMaker::Pipeline").items()
    (_, schedule), = assembly.resources(stack, "AWS::Scheduler::Schedule").items()
    return {
        "monitorPipelineRole": assembly.resolve(stack, pipeline["Properties"]["RoleArn"]),
        "monitorPipelineName": pipeline["Properties"]["PipelineName"],
        "schedulerRole": assembly.resolve(stack, schedule["Properties"]["Target"]["RoleArn"]),
    }


def batch_values(assembly: Assembly, name: str, values: dict) -> dict:
    """What the stage's batch pipeline names: its own role, and the batch input prefix its transform reads."""
    batch_stack = f"LgbmOps-{name}-Batch"
    (_, pipeline), = assembly.resources(batch_stack, "AWS::SageMaker::Pipeline").items()
    props = pipeline["Properties"]
    definition = json.loads(assembly.resolve(batch_stack, props["PipelineDefinition"]["PipelineDefinitionBody"]))
    steps = {step["Name"]: step for step in definition["Steps"]}
    model_roles = {s["Arguments"]["ExecutionRoleArn"] for s in steps.values() if s["Type"] == "Model"}
    job_roles = {s["Arguments"]["RoleArn"] for s in steps.values() if s["Type"] == "Processing"}
    if model_roles != {values["modelRole"]} or job_roles != {values["jobRole"]}:
        raise AssertionError(f"the batch pipeline of {name} runs as {sorted(model_roles | job_roles)}: "
                             f"expected the model role and the job role of the training pipeline")
    parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
    bucket, _, prefix = parameters["InputDataUri"].removeprefix("s3://").partition("/")
    if bucket != values["readBucket"]:
        raise AssertionError(f"the batch pipeline of {name} reads {bucket} by default, not the read bucket")
    return {
        "batchPipelineRole": assembly.resolve(batch_stack, props["RoleArn"]),
        "batchPipelineName": props["PipelineName"],
        "batchInputPrefix": prefix.rstrip("/"),
    }


def table_calls(stage_: Stage, rows: list[dict] | None = None) -> list[Call]:
    rows = rows if rows is not None else json.loads(CALLS_TABLE.read_text())["calls"]
    calls = []
    for row in rows:
        if row.get("monitoring") and "monitorPipelineRole" not in stage_.values:
            continue  # the stage captures nothing and has no monitoring pipeline
        caller = stage_.fill(row["caller"])
        resources = [stage_.fill(r) for r in row["resources"]]
        context = {k: stage_.fill(v) if isinstance(v, str) else v for k, v in row.get("context", {}).items()}
        calls.append(Call(f"table: {row['step']}", caller, row["action"], resources, context, row["why"], row["source"]))
    return calls


# The deploy Lambda's recorded calls: operation -> IAM action, and how its resources follow from the request.
SAGEMAKER = "arn:{partition}:sagemaker:{region}:{account}:"


def endpoint_prefix(key: str, endpoint: str) -> str:
    """A capture or manifest key (or prefix) with the stage's endpoint name for the recorded one."""
    return re.sub(r"^(datacapture|monitoring/capture-manifests)/[^/]+/", lambda m: f"{m.group(1)}/{endpoint}/", key)


def recorded_calls(stage_: Stage, path: Path = RECORDED_CALLS) -> list[Call]:
    """The deploy Lambda's recorded calls, renamed to the stage's endpoint, group, role and key."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    lines = [line for line in lines if "build" not in line]  # the header naming the build that recorded them
    v = stage_.values
    sm = stage_.fill(SAGEMAKER)
    role = v["deployRole"]
    calls: list[Call] = []
    config_keys: dict[str, str] = {}

    def versioned(name: str) -> str:
        """<endpoint>-v<version>-<hash> with the stage's endpoint name."""
        match = re.fullmatch(r".*?(-v\d+.*)", name)
        return v["endpoint"] + (match.group(1) if match else "-" + name)

    def add(operation: str, action: str, resources: list[str], context: dict | None = None, why: str = ""):
        calls.append(Call(f"recorded: {operation}", role, action, resources, context or {}, why or "the deploy Lambda calls it"))

    for line in lines:
        service, operation, fields = line["service"], line["operation"], line["fields"]
        name = operation.split(".", 1)[-1]
        if service == "sagemaker":
            action = f"sagemaker:{name}"
            resources: list[str] = []
            if "ModelPackageName" in fields:
                version = fields["ModelPackageName"].rsplit("/", 1)[-1]
                resources.append(f"{sm}model-package/{v['modelPackageGroup']}/{version}")
            if "ModelPackageGroupName" in fields:
                resources.append(f"{sm}model-package/{v['modelPackageGroup']}/*" if name == "ListModelPackages"
                                 else f"{sm}model-package-group/{v['modelPackageGroup']}")
            if "ModelName" in fields:
                resources.append(f"{sm}model/{versioned(fields['ModelName'])}")
            if "EndpointConfigName" in fields:
                resources.append(f"{sm}endpoint-config/{versioned(fields['EndpointConfigName'])}")
            if "EndpointName" in fields:
                resources.append(f"{sm}endpoint/{v['endpoint']}")
            if "PipelineName" in fields:
                if not v["retrainPipeline"]:
                    continue  # the retrain operation refuses before any call where the stage does not retrain
                resources.append(f"{sm}pipeline/{v['retrainPipeline']}")
            if not arn_formats(action):
                resources = ["*"]
            add(operation, action, resources)
            if fields.get("Tags"):
                add(operation, "sagemaker:AddTags", [r for r in resources if r != "*"], why="tags on create")
            if name == "CreateModel":
                add(operation, "iam:PassRole", [v["deployModelRole"]], {"iam:PassedToService": "sagemaker.amazonaws.com"},
                    "CreateModel passes the model's execution role")
            if name == "CreateEndpointConfig" and fields.get("KmsKeyId"):
                config_keys[versioned(fields["EndpointConfigName"])] = v["deployKey"]
            rollback = fields.get("DeploymentConfig", {}).get("AutoRollbackConfiguration", {}).get("Alarms", [])
            for alarm in rollback:
                # Deployment guardrails: SageMaker watches the alarms as the endpoint's execution role.
                alarm_name = alarm["AlarmName"].replace(fields["EndpointName"], v["endpoint"], 1)
                calls.append(Call(f"recorded: {operation} (guardrails)", v["deployModelRole"], "cloudwatch:DescribeAlarms",
                                  [stage_.fill("arn:{partition}:cloudwatch:{region}:{account}:alarm:") + alarm_name], {},
                                  "auto-rollback alarms of the deployment config"))
            if name in ("CreateEndpoint", "UpdateEndpoint"):
                key = config_keys.get(versioned(fields["EndpointConfigName"]))
                if key:
                    # SageMaker creates a grant on the config's key for the endpoint's volumes, as the caller.
                    add(operation, "kms:CreateGrant", [key], {"kms:GrantIsForAWSResource": "true"},
                        "endpoint volumes encrypted with the endpoint config's key")
                    add(operation, "kms:DescribeKey", [key], why="endpoint volumes encrypted with the config's key")
        elif service == "application-autoscaling":
            action = f"application-autoscaling:{name}"
            context = {}
            if "ServiceNamespace" in fields:
                context["application-autoscaling:service-namespace"] = fields["ServiceNamespace"]
            if "ScalableDimension" in fields:
                context["application-autoscaling:scalable-dimension"] = fields["ScalableDimension"]
            resources = ([stage_.fill("arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/"
                                      "0123456789abcdef0123456789abcdef")] if arn_formats(action) else ["*"])
            add(operation, action, resources, context)
            if name == "RegisterScalableTarget":
                # Application Auto Scaling checks that the caller may describe and scale the variant itself.
                add(operation, "sagemaker:DescribeEndpoint", [f"{sm}endpoint/{v['endpoint']}"],
                    why="Application Auto Scaling checks the caller may describe the endpoint")
                add(operation, "sagemaker:UpdateEndpointWeightsAndCapacities", [f"{sm}endpoint/{v['endpoint']}"],
                    why="Application Auto Scaling checks the caller may scale the variant")
                add(operation, "iam:CreateServiceLinkedRole",
                    [stage_.fill("arn:{partition}:iam::{account}:role/aws-service-role/"
                                 "sagemaker.application-autoscaling.amazonaws.com/"
                                 "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")],
                    {"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"},
                    "the first registration creates Application Auto Scaling's service-linked role")
            if name == "PutScalingPolicy":
                alarm = stage_.fill("arn:{partition}:cloudwatch:{region}:{account}:alarm:TargetTracking-endpoint/") \
                    + f"{v['endpoint']}/variant/AllTraffic-AlarmHigh-0123abcd-4567-89ef-0123-456789abcdef"
                for alarm_action in ("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"):
                    add(operation, alarm_action, [alarm], why="target tracking manages its alarms as the caller")
        elif service == "s3":
            method = line["method"]
            path, _, query = line["path"].partition("?")
            bucket, _, key = path.lstrip("/").partition("/")
            parameters = dict(urllib.parse.parse_qsl(query))
            if (method == "GET" and not key and "list-type" in parameters) or (method == "PUT" and key.startswith(
                    "monitoring/")):
                if "monitorPipelineRole" not in v:
                    continue  # describe-live refuses before any call where the stage captures nothing
            if method == "GET" and not key and "list-type" in parameters:
                prefix = endpoint_prefix(parameters.get("prefix", ""), v["endpoint"])
                add(operation, "s3:ListBucket", [f"arn:{PARTITION}:s3:::{v['writeBucket']}"], {"s3:prefix": prefix},
                    "describe-live lists the capture files of the window's hours")
            elif method == "PUT" and key:
                # The function encrypts the manifest with the stage's key, as the write bucket's policy demands.
                add(operation, "s3:PutObject", [f"arn:{PARTITION}:s3:::{v['writeBucket']}/{endpoint_prefix(key, v['endpoint'])}"],
                    {"s3:x-amz-server-side-encryption": "aws:kms",
                     "s3:x-amz-server-side-encryption-aws-kms-key-id": v["deployKey"]},
                    "describe-live writes the window's capture manifest")
                add(operation, "kms:GenerateDataKey", [v["deployKey"]], {"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
                    "the manifest is encrypted with the stage's key")
            elif method in ("GET", "HEAD") and key:
                add(operation, "s3:GetObject", [f"arn:{PARTITION}:s3:::{v['writeBucket']}/{key}"],
                    why="reads the evaluation report of the registered package")
                add(operation, "kms:Decrypt", [v["deployKey"]], {"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
                    "objects of the write bucket are encrypted with the data key")
            else:
                raise ValueError(f"recorded S3 call {method} {line['path']} has no IAM mapping in this check")
        elif service == "monitoring":
            if fields.get("Action") != "PutMetricData":
                raise ValueError(f"recorded CloudWatch call {fields.get('Action')} has no IAM mapping in this check")
            if not v["metricsNamespace"]:
                continue  # the publish-metrics operation refuses before any call where the stage publishes nothing
            # The function publishes into its configured namespace, whatever the test named it.
            add("CloudWatch.PutMetricData", "cloudwatch:PutMetricData", ["*"],
                {"cloudwatch:namespace": v["metricsNamespace"]}, "publishes the monitoring figures")
        else:
            raise ValueError(f"recorded call to {service} ({operation}) has no IAM mapping in this check")
    return calls


# ---------------------------------------------------------------- the check


@dataclasses.dataclass
class Report:
    checked: list[tuple[Call, Request, bool, str]]
    problems: list[str]

    @property
    def denied(self) -> list[tuple[Call, Request, str]]:
        return [(c, r, why) for c, r, allowed, why in self.checked if not allowed]


def check(evaluator: Evaluator, calls: list[Call]) -> Report:
    checked, problems, seen = [], [], set()
    for call in calls:
        for problem in check_resources_fit(call.action, call.resources):
            problems.append(f"{call.origin}: {problem}")
        for request in call.requests():
            if request in seen:
                continue
            seen.add(request)
            allowed, why = evaluator.decide(request)
            checked.append((call, request, allowed, why))
    return Report(checked, sorted(set(problems)))


def without_action(all_policies: list[Policy], owner: str, action: str, resource_contains: str = "") -> list[Policy]:
    """The policies with `action` removed from `owner`'s identity statements (those naming `resource_contains`)."""
    changed = copy.deepcopy(all_policies)
    for policy in changed:
        if policy.kind != "identity" or policy.owner != owner:
            continue
        for statement in _listed(policy.document.get("Statement")):
            if resource_contains and not any(resource_contains in r for r in _listed(statement.get("Resource"))):
                continue
            actions = [a for a in _listed(statement.get("Action")) if a != action]
            statement["Action"] = actions or ["none:NoAction"]
    return changed


def without_resource(all_policies: list[Policy], owner: str, action: str, resource_contains: str) -> list[Policy]:
    """The policies with the resources naming `resource_contains` dropped from `owner`'s statements allowing `action`."""
    changed = copy.deepcopy(all_policies)
    for policy in changed:
        if policy.kind != "identity" or policy.owner != owner:
            continue
        for statement in _listed(policy.document.get("Statement")):
            if action in _listed(statement.get("Action")):
                kept = [r for r in _listed(statement.get("Resource")) if resource_contains not in r]
                statement["Resource"] = kept or ["arn:aws:none:::nothing"]
    return changed


# ---------------------------------------------------------------- the linter


def lint(all_policies: list[Policy]) -> list[dict]:
    """parliament's findings on every synthesized policy (trust policies excepted: they are not permission policies)."""
    findings = []
    for policy in all_policies:
        if policy.kind == "trust":
            continue
        document = dict(policy.document)
        document.setdefault("Version", "2012-10-17")
        for finding in analyze_policy_string(json.dumps(document), include_community_auditors=False).findings:
            findings.append({"source": policy.source, "kind": policy.kind, "issue": finding.issue,
                             "detail": json.dumps(finding.detail, sort_keys=True, default=str)})
    return findings


def acknowledged(finding: dict, acknowledgements: list[dict]) -> dict | None:
    for ack in acknowledgements:
        if ack["issue"] == finding["issue"] and re.search(ack["source"], finding["source"]) \
                and re.search(ack.get("detail", ""), finding["detail"]):
            return ack
    return None


def table(report: Report) -> str:
    lines = [f"{'allowed':8} {'caller':40} {'action':52} resource  [origin]"]
    for call, request, allowed, why in report.checked:
        lines.append(f"{'yes' if allowed else 'DENIED':8} {request.caller.rsplit('/', 1)[-1][:40]:40} "
                     f"{request.action:52} {request.resource}  [{call.origin}; {why}]")
    return "\n".join(lines)
