package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ClarifyImageTest {

    @ParameterizedTest
    @CsvSource({
            "ap-northeast-3, 912233562940.dkr.ecr.ap-northeast-3.amazonaws.com/sagemaker-clarify-processing:1.0",
            "ap-southeast-3, 705930551576.dkr.ecr.ap-southeast-3.amazonaws.com/sagemaker-clarify-processing:1.0",
            "eu-central-2, 730335477804.dkr.ecr.eu-central-2.amazonaws.com/sagemaker-clarify-processing:1.0",
            "cn-north-1, 122526803553.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-clarify-processing:1.0",
            "cn-northwest-1, 122578899357.dkr.ecr.cn-northwest-1.amazonaws.com.cn/sagemaker-clarify-processing:1.0",
            "us-gov-west-1, 598674086554.dkr.ecr.us-gov-west-1.amazonaws.com/sagemaker-clarify-processing:1.0",
            "us-isof-east-1, 579539705040.dkr.ecr.us-isof-east-1.csp.hci.ic.gov/sagemaker-clarify-processing:1.0",
            "us-isof-south-1, 411392592546.dkr.ecr.us-isof-south-1.csp.hci.ic.gov/sagemaker-clarify-processing:1.0",
            "us-east-1, 205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"})
    void uriFor_fixedAndAddedRegions_areThePublishedImages(String region, String uri) {
        assertEquals(uri, ClarifyImage.uriFor(region));
    }

    @Test
    void uriFor_whenRegionUnknown_failsNamingItAndTheKnownOnes() {
        var failure = assertThrows(IllegalArgumentException.class, () -> ClarifyImage.uriFor("mars-north-1"));

        assertTrue(failure.getMessage().startsWith(
                "no SageMaker Clarify image is known for region mars-north-1; known regions: [af-south-1, "),
                failure.getMessage());
    }

    @Test
    void imageUris_coverEveryRegistry() {
        assertEquals(ClarifyImage.REGISTRY_ACCOUNTS.size(), ClarifyImage.imageUris().size());
        assertEquals(28, ClarifyImage.imageUris().size());
    }
}
