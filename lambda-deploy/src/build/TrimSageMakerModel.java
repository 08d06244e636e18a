import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step (run by the pom after the shade plugin, as a single-file program): removes from the
 * Lambda jar the SageMaker model classes that no operation of ours can reach.
 *
 * <p>Why: the SageMaker module is 14 MB, and the shade plugin's minimizeJar keeps nearly all of it
 * because the client interface names every one of the service's ~400 operations. Which classes
 * the JVM may still need, and so are kept:
 * <ul>
 *   <li>every class outside {@code model/}, {@code transform/} and {@code paginators/}
 *       (clients, builders, endpoint rules, auth), except the asynchronous client we never build;</li>
 *   <li>every {@code *Request} class with its builders, and every exception: the verifier loads
 *       the requests when it links the client (a request is passed where {@code SdkRequest} is
 *       expected), and with their builders present they verify too, so a CDS archive can hold
 *       them (without, a cold start parses ~370 of them from the jar: about 80 ms); exceptions
 *       appear in handlers and are created by name from error codes;</li>
 *   <li>for the operations named on the command line: their requests and responses with their
 *       builders, marshallers and paginators, and everything those reach ({@code jdeps}).</li>
 * </ul>
 * Everything else is never loaded by this program. Usage:
 * {@code java TrimSageMakerModel.java <jar> <Operation,Operation,...>}. A new SageMaker call in
 * the code needs its operation added to the list in the pom; the shaded-jar test runs every path
 * against the emulator and fails with NoClassDefFoundError if one is missing.
 */
public final class TrimSageMakerModel {

    private static final String ROOT = "software/amazon/awssdk/services/sagemaker/";
    private static final String DOTTED = ROOT.replace('/', '.');
    private static final Pattern DEPENDENCY = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)");

    private TrimSageMakerModel() { }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: TrimSageMakerModel <jar> <Operation,Operation,...>");
        }
        Path jar = Path.of(args[0]);
        List<String> operations = Arrays.asList(args[1].split(","));
        Map<String, Long> sizes = new HashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.getName().startsWith(ROOT) && entry.getName().endsWith(".class")) {
                    sizes.put(className(entry.getName()), entry.getCompressedSize());
                }
            }
        }
        if (sizes.isEmpty()) {
            throw new IllegalStateException("no SageMaker classes in " + jar);
        }
        Set<String> keep = reachable(jar, sizes.keySet(), operations);
        long before = sizes.values().stream().mapToLong(Long::longValue).sum();
        long after = keep.stream().mapToLong(c -> sizes.getOrDefault(c, 0L)).sum();
        rewrite(jar, keep);
        System.out.printf("TrimSageMakerModel: kept %d of %d SageMaker classes (%.1f of %.1f MB compressed) for %s%n",
                keep.size(), sizes.size(), after / 1e6, before / 1e6, operations);
    }

    private static Set<String> reachable(Path jar, Set<String> classes, List<String> operations) throws IOException {
        Set<String> keep = new HashSet<>();
        Deque<String> traverse = new ArrayDeque<>();
        for (String c : classes) {
            String relative = c.substring(DOTTED.length());
            int dot = relative.indexOf('.');
            String pkg = dot < 0 ? "" : relative.substring(0, dot);
            String name = relative.substring(dot + 1);
            String top = name.split("\\$")[0];
            boolean ours = operations.stream().anyMatch(op -> top.equals(op + "Request") || top.equals(op + "Response")
                    || top.equals(op + "RequestMarshaller") || top.equals(op + "Iterable"));
            switch (pkg) {
                case "model" -> {
                    if (ours || top.contains("Exception")) {
                        keep.add(c);
                        traverse.add(c);
                    } else if (top.endsWith("Request") || (!name.contains("$") && name.startsWith("SageMaker"))) {
                        keep.add(c);
                    }
                }
                case "transform", "paginators" -> {
                    if (ours) {
                        keep.add(c);
                        traverse.add(c);
                    }
                }
                default -> {
                    if (!name.contains("Async")) {
                        keep.add(c);
                    }
                }
            }
        }
        Map<String, Set<String>> dependencies = dependencies(jar);
        while (!traverse.isEmpty()) {
            for (String next : dependencies.getOrDefault(traverse.pop(), Set.of())) {
                if (classes.contains(next) && keep.add(next)) {
                    traverse.push(next);
                }
            }
        }
        return keep;
    }

    /** Class-level dependencies between SageMaker classes, from the JDK's jdeps. */
    private static Map<String, Set<String>> dependencies(Path jar) throws IOException {
        Path only = Files.createTempFile("sagemaker-classes", ".jar");
        try {
            try (ZipFile zip = new ZipFile(jar.toFile());
                    ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(only))) {
                for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                    ZipEntry entry = e.nextElement();
                    if (entry.getName().startsWith(ROOT) && entry.getName().endsWith(".class")) {
                        out.putNextEntry(new ZipEntry(entry.getName()));
                        try (InputStream in = zip.getInputStream(entry)) {
                            in.transferTo(out);
                        }
                        out.closeEntry();
                    }
                }
            }
            ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                    .orElseThrow(() -> new IllegalStateException("jdeps is missing: build with a full JDK"));
            StringWriter output = new StringWriter();
            StringWriter errors = new StringWriter();
            int status = jdeps.run(new PrintWriter(output), new PrintWriter(errors),
                    "-verbose:class", "-filter:none", "--multi-release", "17", only.toString());
            if (status != 0) {
                throw new IllegalStateException("jdeps failed (" + status + "): " + errors);
            }
            Map<String, Set<String>> dependencies = new HashMap<>();
            output.toString().lines().forEach(line -> {
                Matcher m = DEPENDENCY.matcher(line);
                if (m.find() && m.group(2).startsWith(DOTTED)) {
                    dependencies.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2));
                }
            });
            return dependencies;
        } finally {
            Files.deleteIfExists(only);
        }
    }

    private static void rewrite(Path jar, Set<String> keep) throws IOException {
        Path trimmed = jar.resolveSibling(jar.getFileName() + ".trimmed");
        try (ZipFile zip = new ZipFile(jar.toFile());
                OutputStream file = Files.newOutputStream(trimmed);
                ZipOutputStream out = new ZipOutputStream(file)) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (name.startsWith(ROOT) && name.endsWith(".class") && !keep.contains(className(name))) {
                    continue;
                }
                ZipEntry copy = new ZipEntry(name);
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                try (InputStream in = zip.getInputStream(entry)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        Files.move(trimmed, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String className(String entry) {
        return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
    }
}
