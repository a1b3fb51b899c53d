package dev.mambajvm.model.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in for the hub (two {@link HttpServer}s on 127.0.0.1): the hub answers
 * {@code /ORG/NAME/resolve/REV/FILE} as huggingface.co does, and a second origin plays the LFS CDN.
 *
 * <ul>
 *   <li>other files: 200 with {@code ETag} = git blob SHA-1, {@code X-Repo-Commit}, {@code Content-Length};
 *   <li>{@code *.safetensors}: 302 to the CDN, with {@code X-Linked-Etag} = SHA-256, {@code X-Linked-Size};
 *   <li>unknown repo (or private, without its token): 401 without an Authorization header, 404 with one
 *       ({@code X-Error-Code: RepoNotFound}); unknown revision 404 {@code RevisionNotFound}; unknown file
 *       404 {@code EntryNotFound} with {@code X-Repo-Commit};
 *   <li>{@code Range: bytes=N-} gives 206 with {@code Content-Range}.
 * </ul>
 *
 * Every request is recorded; knobs corrupt a file or drop the connection once, mid-body.
 */
final class FakeHub implements AutoCloseable {
    record Request(String method, String path, String range, String authorization) {
    }

    record Repo(String commit, Map<String, byte[]> files, String token) {
    }

    final List<Request> hubRequests = new CopyOnWriteArrayList<>();
    final List<Request> cdnRequests = new CopyOnWriteArrayList<>();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfsBlobs = new ConcurrentHashMap<>();
    private final HttpServer hub;
    private final HttpServer cdn;

    /** Serve this file with its byte 1000 flipped (headers still announce the true SHA-256). */
    volatile String corruptFile;
    /** Once: send {@code dropAt} bytes of {@code dropFile}, wait until {@code dropWatch} holds them, then cut the connection. */
    volatile String dropFile;
    volatile long dropAt;
    volatile Path dropWatch;

    FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.start();
        cdn.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    void add(String id, String commit, Map<String, byte[]> files, String token) {
        repos.put(id, new Repo(commit, files, token));
        files.forEach((name, bytes) -> {
            if (lfs(name)) {
                lfsBlobs.put(sha256(bytes), bytes);
            }
        });
    }

    static boolean lfs(String file) {
        return file.endsWith(".safetensors");
    }

    static String sha256(byte[] b) {
        return digest("SHA-256", b);
    }

    /** The git object id of a blob: what the hub sends as ETag of a non-LFS file. */
    static String gitBlobSha1(byte[] b) {
        byte[] header = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(header, header.length + b.length);
        System.arraycopy(b, 0, all, header.length, b.length);
        return digest("SHA-1", all);
    }

    private static String digest(String algorithm, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void hub(HttpExchange x) throws IOException {
        try (x) {
            String auth = x.getRequestHeaders().getFirst("Authorization");
            hubRequests.add(new Request(x.getRequestMethod(), x.getRequestURI().getRawPath(),
                    x.getRequestHeaders().getFirst("Range"), auth));
            // /ORG/NAME/resolve/REV/FILE...
            String[] p = x.getRequestURI().getRawPath().split("/", 6);
            if (p.length < 6 || !p[3].equals("resolve")) {
                empty(x, 400, "BadRequest", null);
                return;
            }
            Repo repo = repos.get(p[1] + "/" + p[2]);
            if (repo == null || (repo.token() != null && !("Bearer " + repo.token()).equals(auth))) {
                empty(x, auth == null ? 401 : 404, "RepoNotFound", null);
                return;
            }
            String rev = URLDecoder.decode(p[4], StandardCharsets.UTF_8);
            if (!rev.equals("main") && !rev.equals(repo.commit())) {
                empty(x, 404, "RevisionNotFound", null);
                return;
            }
            String file = URLDecoder.decode(p[5], StandardCharsets.UTF_8);
            byte[] bytes = repo.files().get(file);
            if (bytes == null) {
                empty(x, 404, "EntryNotFound", repo.commit());
                return;
            }
            x.getResponseHeaders().set("X-Repo-Commit", repo.commit());
            if (lfs(file)) {
                String sha = sha256(bytes);
                x.getResponseHeaders().set("ETag", "\"" + sha + "\"");
                x.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
                x.getResponseHeaders().set("X-Linked-Size", Long.toString(bytes.length));
                x.getResponseHeaders().set("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + sha);
                x.sendResponseHeaders(302, -1);
                return;
            }
            x.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(bytes) + "\"");
            body(x, file, bytes);
        }
    }

    private void cdn(HttpExchange x) throws IOException {
        try (x) {
            cdnRequests.add(new Request(x.getRequestMethod(), x.getRequestURI().getRawPath(),
                    x.getRequestHeaders().getFirst("Range"), x.getRequestHeaders().getFirst("Authorization")));
            String path = x.getRequestURI().getRawPath();
            byte[] bytes = path.startsWith("/blobs/") ? lfsBlobs.get(path.substring("/blobs/".length())) : null;
            if (bytes == null) {
                empty(x, 404, null, null);
                return;
            }
            String file = repos.values().stream().flatMap(r -> r.files().entrySet().stream())
                    .filter(e -> e.getValue() == bytes).map(Map.Entry::getKey).findFirst().orElseThrow();
            body(x, file, bytes);
        }
    }

    /** The file's bytes (from the Range start), corrupted or cut off when a knob says so. */
    private void body(HttpExchange x, String file, byte[] bytes) throws IOException {
        if (file.equals(corruptFile)) {
            bytes = bytes.clone();
            bytes[1000] ^= 0x55;
        }
        long start = 0;
        String range = x.getRequestHeaders().getFirst("Range");
        if (range != null && range.matches("bytes=\\d+-")) {
            start = Long.parseLong(range.substring(6, range.length() - 1));
        }
        if (start >= bytes.length && start > 0) {
            empty(x, 416, null, null);
            return;
        }
        int code = 200;
        if (start > 0) {
            code = 206;
            x.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        long length = bytes.length - start;
        if (x.getRequestMethod().equals("HEAD")) {
            x.getResponseHeaders().set("Content-Length", Long.toString(length));
            x.sendResponseHeaders(code, -1);
            return;
        }
        x.sendResponseHeaders(code, length);
        OutputStream out = x.getResponseBody();
        if (file.equals(dropFile) && start == 0) {
            dropFile = null;
            out.write(bytes, 0, (int) dropAt);
            out.flush();
            awaitClientHas(dropAt);
            throw new IOException("FakeHub: connection dropped on purpose");   // closes the connection mid-body
        }
        out.write(bytes, (int) start, (int) length);
    }

    /** Waits (at most 20 s) until the client has written {@code bytes} to the watched partial file. */
    private void awaitClientHas(long bytes) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(dropWatch) && Files.size(dropWatch) >= bytes) {
                    return;
                }
                Thread.sleep(5);
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private static void empty(HttpExchange x, int code, String errorCode, String commit) throws IOException {
        if (errorCode != null) {
            x.getResponseHeaders().set("X-Error-Code", errorCode);
        }
        if (commit != null) {
            x.getResponseHeaders().set("X-Repo-Commit", commit);
        }
        x.sendResponseHeaders(code, -1);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }
}
