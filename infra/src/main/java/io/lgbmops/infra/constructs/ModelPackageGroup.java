package io.lgbmops.infra.constructs;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.sagemaker.CfnModelPackageGroup;
import software.constructs.Construct;

/** The SageMaker model registry group every pipeline run registers its model versions in. */
public final class ModelPackageGroup extends Construct {
    private final CfnModelPackageGroup resource;

    /**
     * @param name          group name; versions register as `arn:...:model-package/<name>/<version>`
     * @param removalPolicy what stack deletion does to the group (and so to the registry's history)
     */
    public ModelPackageGroup(Construct scope, String id, String name, String description, RemovalPolicy removalPolicy) {
        super(scope, id);
        resource = CfnModelPackageGroup.Builder.create(this, "Resource")
                .modelPackageGroupName(name)
                .modelPackageGroupDescription(description)
                .build();
        resource.applyRemovalPolicy(removalPolicy);
    }

    public String name() {
        return resource.getModelPackageGroupName();
    }

    public String arn() {
        return resource.getAttrModelPackageGroupArn();
    }

    /** ARN pattern of the group's versions (model packages), for IAM resources. */
    public String packagesArn() {
        Stack stack = Stack.of(this);
        return stack.formatArn(software.amazon.awscdk.ArnComponents.builder()
                .service("sagemaker").resource("model-package").resourceName(resource.getModelPackageGroupName() + "/*").build());
    }

    public CfnModelPackageGroup resource() {
        return resource;
    }
}
