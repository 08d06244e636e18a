package io.lgbmops.local.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzTest {

    @TempDir
    Path dir;

    @Test
    void pack_thenExtract_returnsTheSameFiles() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("model.txt"), "tree\n".repeat(1000));
        Files.createDirectories(model.resolve("nested"));
        Files.writeString(model.resolve("nested/schema.json"), "{}");
        Files.write(model.resolve("empty.bin"), new byte[0]);

        TarGz.pack(model, dir.resolve("model.tar.gz"));
        List<Path> files = TarGz.extract(dir.resolve("model.tar.gz"), dir.resolve("out"));

        assertEquals(3, files.size());
        assertEquals(Files.readString(model.resolve("model.txt")), Files.readString(dir.resolve("out/model.txt")));
        assertEquals("{}", Files.readString(dir.resolve("out/nested/schema.json")));
        assertEquals(0, Files.size(dir.resolve("out/empty.bin")));
    }

    @Test
    void pack_writesAnArchiveThatPythonsTarfileReads() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("model.txt"), "tree");
        TarGz.pack(model, dir.resolve("model.tar.gz"));

        Process python = new ProcessBuilder("python3", "-c",
                "import sys, tarfile; t = tarfile.open(sys.argv[1]); print(t.extractfile('model.txt').read().decode())",
                dir.resolve("model.tar.gz").toString()).redirectErrorStream(true).start();

        assertEquals(true, python.waitFor(30, TimeUnit.SECONDS));
        assertEquals("tree", new String(python.getInputStream().readAllBytes()).strip());
    }

    @Test
    void extract_readsAPaxArchiveThatPythonWrote() throws Exception {
        Path source = Files.createDirectories(dir.resolve("src"));
        Files.writeString(source.resolve("metrics.json"), "{\"f1\": 0.7}");
        Process python = new ProcessBuilder("python3", "-c",
                "import sys, tarfile\n"
                        + "with tarfile.open(sys.argv[1], 'w:gz', format=tarfile.PAX_FORMAT) as t: t.add(sys.argv[2], arcname='metrics.json')",
                dir.resolve("py.tar.gz").toString(), source.resolve("metrics.json").toString()).start();
        assertEquals(0, python.waitFor(30, TimeUnit.SECONDS) ? python.exitValue() : -1);

        TarGz.extract(dir.resolve("py.tar.gz"), dir.resolve("out"));

        assertEquals("{\"f1\": 0.7}", Files.readString(dir.resolve("out/metrics.json")));
    }

    @Test
    void extract_failsWhenAnEntryEscapesTheTarget() throws IOException {
        Path archive = dir.resolve("evil.tar.gz");
        byte[] header = new byte[512];
        byte[] name = "../evil.txt".getBytes();
        System.arraycopy(name, 0, header, 0, name.length);
        System.arraycopy("00000000000\0".getBytes(), 0, header, 124, 12);
        header[156] = '0';
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive))) {
            out.write(header);
            out.write(new byte[1024]);
        }

        assertThrows(IOException.class, () -> TarGz.extract(archive, dir.resolve("out")));
    }
}
