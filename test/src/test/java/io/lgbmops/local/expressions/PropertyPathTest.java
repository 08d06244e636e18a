package io.lgbmops.local.expressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyPathTest {

    @Test
    void parse_whenFieldsKeysAndIndexes_keepsThemInOrder() {
        PropertyPath path = PropertyPath.parse("ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri");

        assertEquals(List.of(
                new PropertyPath.Field("ProcessingOutputConfig"), new PropertyPath.Field("Outputs"),
                new PropertyPath.Key("train"), new PropertyPath.Field("S3Output"), new PropertyPath.Field("S3Uri")),
                path.segments());
        assertEquals("ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri", path.toString());
    }

    @Test
    void parse_whenJsonPathRootAndIndex_dropsRoot() {
        assertEquals(List.of(new PropertyPath.Field("a"), new PropertyPath.Index(2), new PropertyPath.Field("b")),
                PropertyPath.parse("$.a[2].b").segments());
    }

    @Test
    void parse_failsOnUnclosedBracket() {
        assertThrows(IllegalArgumentException.class, () -> PropertyPath.parse("a['x'"));
    }

    @Test
    void parse_failsOnEmptyField() {
        assertThrows(IllegalArgumentException.class, () -> PropertyPath.parse("a..b"));
    }
}
