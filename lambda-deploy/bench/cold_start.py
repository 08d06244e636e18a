#!/usr/bin/env python3
"""Cold-start benchmark: the Java deploy Lambda vs the common boto3 recipe, as whole processes.

Starts moto in server mode on a free 127.0.0.1 port, seeds one model package group with an
Approved package whose evaluation report (F1 0.8) is in S3, then times, interleaved, N runs of

  java [flags] -cp lambda-deploy/target/lambda-deploy.jar io.lgbmops.deploy.LocalInvoke event.json
  python lambda-deploy/bench/reference/seed_deployer.py '{...}'

each against a fresh endpoint name, so every run is a first deployment (the Java side also runs
its F1 gate, autoscaling and clean-up calls; the recipe makes 3 calls). Wall time covers the
whole process: interpreter/JVM start, client creation, every AWS call, exit.

Java variants: the JVM's defaults; C1 only with the serial GC; and the same plus an AppCDS
archive that this script builds first with -XX:ArchiveClassesAtExit (a training run against
the same emulator). Prints each median, the ratio to the recipe's median, and exits non-zero
if any run fails. It measures; it asserts nothing about speed.

Usage (from the repository root, after `mvn -pl lambda-deploy -am package`):
  .venv/bin/python lambda-deploy/bench/cold_start.py [--runs 5] [--java java]
      [--seed-deployer lambda-deploy/bench/reference/seed_deployer.py]
Needs boto3 in the interpreter that runs it (the project venv has it through moto[server]).
"""
import argparse
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

HERE = pathlib.Path(__file__).resolve().parent
MODULE = HERE.parent
ROOT = MODULE.parent
GROUP = "bench-census"
ROLE = "arn:aws:iam::123456789012:role/bench-sagemaker-execution"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
BUCKET = "bench-artifacts"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(venv: pathlib.Path, port: int, log: pathlib.Path) -> subprocess.Popen:
    proc = subprocess.Popen([str(venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"moto_server exited; see {log}")
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("moto_server did not start within 60 s")


def seed(endpoint_url: str) -> str:
    kwargs = dict(endpoint_url=endpoint_url, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
    s3 = boto3.client("s3", **kwargs)
    sm = boto3.client("sagemaker", **kwargs)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="evaluation/1/evaluation.json",
                  Body=json.dumps({"classification_metrics": {"f1": {"value": 0.8}}}).encode())
    sm.create_model_package_group(ModelPackageGroupName=GROUP)
    return sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/lgbmops:bench"}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        ModelMetrics={"ModelQuality": {"Statistics": {
            "ContentType": "application/json", "S3Uri": f"s3://{BUCKET}/evaluation/1/evaluation.json"}}},
    )["ModelPackageArn"]


def timed(cmd, env, expect) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or expect not in done.stdout:
        raise SystemExit(f"run failed ({done.returncode}): {' '.join(cmd[:3])}...\n"
                         f"stdout: {done.stdout}\nstderr: {done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--java", default=shutil.which("java") or "java")
    parser.add_argument("--jar", type=pathlib.Path, default=MODULE / "target" / "lambda-deploy.jar")
    parser.add_argument("--venv", type=pathlib.Path, default=ROOT / ".venv")
    parser.add_argument("--seed-deployer", type=pathlib.Path,
                        default=MODULE / "bench" / "reference" / "seed_deployer.py")
    args = parser.parse_args()
    if not args.jar.is_file():
        raise SystemExit(f"{args.jar} is missing: run `mvn -pl lambda-deploy -am package -DskipTests` first")
    if not args.seed_deployer.is_file():
        raise SystemExit(f"{args.seed_deployer} is missing")
    if not 1 <= args.runs <= 20:
        raise SystemExit("--runs must be in [1, 20]")

    work = pathlib.Path(tempfile.mkdtemp(prefix="lgbmops-cold-start-"))
    port = free_port()
    endpoint_url = f"http://127.0.0.1:{port}"
    moto = start_moto(args.venv, port, work / "moto.log")
    try:
        arn = seed(endpoint_url)
        event = work / "event.json"
        event.write_text(json.dumps({
            "version": "0", "detail-type": "SageMaker Model Package State Change", "source": "aws.sagemaker",
            "detail": {"ModelPackageGroupName": GROUP, "ModelPackageArn": arn, "ModelApprovalStatus": "Approved"}}))
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        base_env.update(CREDENTIALS)
        base_env["AWS_ENDPOINT_URL"] = endpoint_url

        def java_env(endpoint):
            env = dict(base_env)
            env.update({"MODEL_PACKAGE_GROUP_NAME": GROUP, "ENDPOINT_NAME": endpoint, "EXECUTION_ROLE_ARN": ROLE,
                        "KMS_KEY_ID": KMS_KEY, "MIN_F1_THRESHOLD": "0.5"})
            return env

        def java_cmd(flags):
            return [args.java, *flags, "-cp", str(args.jar), "io.lgbmops.deploy.LocalInvoke", str(event)]

        archive = work / "lambda-deploy.jsa"
        c1 = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
        # Training run: loads every class a first deployment needs, then dumps them at exit.
        timed(java_cmd([*c1, f"-XX:ArchiveClassesAtExit={archive}"]), java_env("bench-cds-training"), "DEPLOYED")
        variants = {
            "java (JVM defaults)": [],
            "java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC": c1,
            "java C1 + SerialGC + AppCDS archive": [*c1, f"-XX:SharedArchiveFile={archive}"],
        }
        times = {name: [] for name in [*variants, "python seed_deployer.py (boto3)"]}
        python = str(args.venv / "bin" / "python")
        for i in range(args.runs):
            for n, (name, flags) in enumerate(variants.items()):
                times[name].append(timed(java_cmd(flags), java_env(f"bench-java{n}-{i}"), "DEPLOYED"))
            payload = json.dumps({"model_package_arn": arn, "role": ROLE, "endpoint_name": f"bench-py-{i}",
                                  "instance_type": "ml.m5.large", "instance_count": 1})
            times["python seed_deployer.py (boto3)"].append(
                timed([python, str(args.seed_deployer), payload], base_env, "endpoint_config_name"))
    finally:
        moto.terminate()
        moto.wait(10)

    baseline = statistics.median(times["python seed_deployer.py (boto3)"])
    print(f"cold start, whole process, median of {args.runs} (load average {os.getloadavg()[0]:.2f}, "
          f"{os.cpu_count()} cores, {subprocess.run([args.java, '-version'], capture_output=True, text=True).stderr.splitlines()[0]})")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:<48} median {median * 1000:7.0f} ms  ratio {median / baseline:4.2f}x  "
              f"runs {', '.join(f'{s * 1000:.0f}' for s in samples)}")
    print(f"jar: {args.jar.stat().st_size / 1e6:.1f} MB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
