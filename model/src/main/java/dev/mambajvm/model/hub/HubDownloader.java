package dev.mambajvm.model.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of the hub: a file's metadata from a {@code HEAD} of its {@code resolve} URL, and its
 * download into {@code blobs/ETAG} of the cache, resumable and checked.
 *
 * <p>Downloads go to {@code blobs/ETAG.incomplete} (locked while written) and are moved into place
 * only once complete and, for LFS files, once their SHA-256 equals the ETag. A broken transfer is
 * retried at once with {@code Range: bytes=N-} as long as the previous attempt made progress; when
 * it gives up, the partial file stays, and the next run continues from it. The token goes with
 * requests to the hub only: on a redirect to another origin (the LFS CDN) the JDK's client drops
 * {@code Authorization}.
 */
public final class HubDownloader implements AutoCloseable {
    private static final int MAX_REDIRECTS = 10;
    /** Attempts in a row that receive nothing before giving up (attempts that progress do not count). */
    private static final int MAX_STALLED_ATTEMPTS = 3;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final String USER_AGENT = "mamba-jvm; java/" + Runtime.version().feature();

    private final HubSettings settings;
    private final HubCache cache;
    private final DownloadProgress progress;
    /** Follows no redirect: HEAD must stop at the hub's answer, whose headers are the metadata. */
    private final HttpClient metadataClient;
    /** Follows redirects (not https to http), as the LFS files are served from a CDN. */
    private final HttpClient downloadClient;

    public HubDownloader(HubSettings settings, HubCache cache, DownloadProgress progress) {
        this.settings = settings;
        this.cache = cache;
        this.progress = progress;
        this.metadataClient = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.downloadClient = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** {@code ENDPOINT/ORG/NAME/resolve/REVISION/FILE}, the revision and each path segment percent-encoded. */
    public URI resolveUrl(RepoId repo, String revision, String file) {
        StringBuilder b = new StringBuilder(settings.endpoint().toString()).append('/').append(repo.id())
                .append("/resolve/").append(encode(revision));
        for (String segment : file.split("/", -1)) {
            b.append('/').append(encode(segment));
        }
        return URI.create(b.toString());
    }

    /**
     * The metadata of {@code file} at {@code revision}. A 404 means "no such file" when the hub says
     * {@code EntryNotFound}, or when it says nothing and {@code repoExists} (an earlier file was found);
     * otherwise 401, 403 and 404 are {@link HubException}s that say the repo is missing or needs a token.
     *
     * @throws IOException when the hub cannot be reached (no network, unknown host, refused, timed out)
     */
    public RemoteFile metadata(RepoId repo, String revision, String file, boolean repoExists) throws IOException {
        URI url = resolveUrl(repo, revision, file);
        for (int hop = 0; ; hop++) {
            HttpRequest request = request(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity").build();
            HttpResponse<Void> r = send(metadataClient, request, HttpResponse.BodyHandlers.discarding());
            int code = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if (code >= 300 && code < 400 && location.isPresent()) {
                URI next = url.resolve(location.get());
                // A renamed repo redirects within the hub: follow. The LFS redirect goes to the CDN: its
                // headers (X-Linked-Etag, X-Linked-Size) are the metadata; the CDN need not be asked.
                if (sameOrigin(url, next) && hop < MAX_REDIRECTS) {
                    url = next;
                    continue;
                }
                return metadataOf(r, url, false);
            }
            if (code >= 200 && code < 300) {
                return metadataOf(r, url, true);
            }
            String errorCode = r.headers().firstValue("X-Error-Code").orElse(null);
            if (code == 404 && ("EntryNotFound".equals(errorCode) || (errorCode == null && repoExists))) {
                return RemoteFile.absent(r.headers().firstValue("X-Repo-Commit").filter(RepoId::isCommit).orElse(null));
            }
            throw httpError(repo, r, url);
        }
    }

    private RemoteFile metadataOf(HttpResponse<?> r, URI url, boolean final2xx) {
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
        if (commit != null && !RepoId.isCommit(commit)) {
            throw new HubException(url + ": X-Repo-Commit '" + commit + "' is not a commit hash (is HF_ENDPOINT "
                    + settings.endpoint() + " a Hugging Face hub?)", false);
        }
        Optional<String> linked = r.headers().firstValue("X-Linked-Etag");
        String etag = normalizeEtag(linked.or(() -> r.headers().firstValue("ETag")).orElse(null));
        if (etag == null || !HubCache.validEtag(etag)) {
            throw new HubException(url + ": " + (etag == null ? "no ETag" : "ETag '" + etag + "' is not a content hash")
                    + " in the hub's answer (is HF_ENDPOINT " + settings.endpoint() + " a Hugging Face hub?)", false);
        }
        Optional<String> size = r.headers().firstValue("X-Linked-Size");
        if (size.isEmpty() && final2xx) {
            size = r.headers().firstValue("Content-Length");
        }
        long bytes = size.map(HubDownloader::parseSize).orElse(-1L);
        boolean lfs = linked.isPresent() && SHA256.matcher(etag).matches();
        return new RemoteFile(commit, true, etag, bytes, lfs);
    }

    /**
     * Makes sure {@code blobs/ETAG} holds {@code file} of {@code commit} (already there: nothing is
     * transferred) and returns it.
     */
    public Path download(RepoId repo, String commit, String file, RemoteFile meta) throws IOException {
        Path blob = cache.blob(repo, meta.etag());
        if (Files.isRegularFile(blob)) {
            return blob;
        }
        Files.createDirectories(blob.getParent());
        Path part = cache.incomplete(repo, meta.etag());
        URI url = resolveUrl(repo, commit, file);
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            lock(channel, part, file);
            Partial p = new Partial(channel, meta.lfs());
            if (meta.size() >= 0 && p.have > meta.size()) {
                p.reset();
            }
            int stalled = 0;
            while (true) {
                long before = p.have;
                String failure;
                try {
                    transfer(repo, url, file, meta, p);
                    if (meta.size() < 0 || p.have == meta.size()) {
                        break;
                    }
                    if (p.have > meta.size()) {
                        progress.interrupted(p.have, "too long");
                        channel.close();
                        Files.deleteIfExists(part);
                        throw new HubException(repo + ": " + file + " from " + url + " is longer than the "
                                + meta.size() + " bytes the hub announced (the partial download was deleted; run the"
                                + " command again)", false);
                    }
                    failure = "the connection closed early";
                } catch (HubException e) {
                    throw e;
                } catch (IOException e) {
                    if (e instanceof InterruptedIOException) {
                        throw e;
                    }
                    failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                }
                progress.interrupted(p.have, failure);
                stalled = p.have > before ? 0 : stalled + 1;
                if (stalled >= MAX_STALLED_ATTEMPTS) {
                    throw new HubException(repo + ": the download of " + file + " from " + url + " broke off at "
                            + p.have + (meta.size() >= 0 ? " of " + meta.size() : "") + " bytes (" + failure
                            + "): run the command again to resume from " + part, false);
                }
            }
            if (p.digest != null) {
                String actual = HexFormat.of().formatHex(p.digest.digest());
                if (!actual.equals(meta.etag())) {
                    progress.interrupted(p.have, "checksum mismatch");
                    channel.close();
                    Files.deleteIfExists(part);
                    throw new HubException(repo + ": " + file + " from " + url + " is corrupt: its SHA-256 is " + actual
                            + ", the hub announced " + meta.etag() + " (the download was deleted; run the command again)",
                            false);
                }
            }
            channel.force(true);
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
            progress.finish(p.have);
        }
        return blob;
    }

    /** One GET, from {@code p.have} on when there is a partial file; appends to it until the body ends or breaks. */
    private void transfer(RepoId repo, URI url, String file, RemoteFile meta, Partial p) throws IOException {
        HttpRequest.Builder b = request(url).GET();
        if (p.have > 0) {
            b.header("Range", "bytes=" + p.have + "-");
        }
        HttpResponse<InputStream> r = send(downloadClient, b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            int code = r.statusCode();
            if (code == 416) {
                p.reset();   // the partial file is not a prefix of this file: start over
                throw new IOException("HTTP 416 for a resumed download: starting over");
            }
            if (code == 206) {
                Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != p.have) {
                    p.reset();
                    throw new IOException("the server resumed at another byte than asked ("
                            + r.headers().firstValue("Content-Range").orElse("no Content-Range") + "): starting over");
                }
            } else if (code == 200) {
                if (p.have > 0) {
                    p.reset();   // the server ignored the Range: the body is the whole file
                }
            } else {
                throw httpError(repo, r, url);
            }
            progress.start(file, p.have, meta.size());
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                p.append(buffer, n);
                progress.update(p.have);
            }
        }
    }

    /** The part of a file on disk, and the running SHA-256 of it (LFS files). */
    private static final class Partial {
        final FileChannel channel;
        final boolean hashed;
        MessageDigest digest;
        long have;

        Partial(FileChannel channel, boolean hashed) throws IOException {
            this.channel = channel;
            this.hashed = hashed;
            this.digest = hashed ? sha256() : null;
            this.have = channel.size();
            if (hashed && have > 0) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                for (long pos = 0; pos < have; ) {
                    buf.clear();
                    int n = channel.read(buf, pos);
                    if (n < 0) {
                        break;
                    }
                    buf.flip();
                    digest.update(buf);
                    pos += n;
                }
            }
        }

        void append(byte[] bytes, int n) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(bytes, 0, n);
            while (buf.hasRemaining()) {
                channel.write(buf, have + (n - buf.remaining()));
            }
            if (digest != null) {
                digest.update(bytes, 0, n);
            }
            have += n;
        }

        void reset() throws IOException {
            channel.truncate(0);
            have = 0;
            digest = hashed ? sha256() : null;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    private static void lock(FileChannel channel, Path part, String file) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new HubException(file + " is being downloaded by another process (" + part
                    + " is locked): wait for it to finish", false);
        }
    }

    private HttpRequest.Builder request(URI url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(RESPONSE_TIMEOUT).header("User-Agent", USER_AGENT);
        settings.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException {
        try {
            return client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while talking to " + request.uri().getHost());
        }
    }

    /** 401, 403, 404 and anything else unexpected, as one line that says what to do. */
    private HubException httpError(RepoId repo, HttpResponse<?> r, URI url) {
        int code = r.statusCode();
        String errorCode = r.headers().firstValue("X-Error-Code").orElse(null);
        String hubMessage = r.headers().firstValue("X-Error-Message").map(m -> ": " + m).orElse("");
        String tokenHint = settings.token().isPresent()
                ? " (a token was sent: check that it has access to this repo)"
                : " (no token: set HF_TOKEN, or log in with `hf auth login`)";
        if (code == 401 || (code == 404 && !"RevisionNotFound".equals(errorCode))) {
            return new HubException(repo + ": repo not found on " + settings.endpoint() + ", or it is private or gated"
                    + " and needs HF_TOKEN" + tokenHint + " (HTTP " + code + ")", true);
        }
        if (code == 404) {
            return new HubException(repo.id() + ": no revision '" + repo.revision() + "' on " + settings.endpoint()
                    + " (HTTP 404)", true);
        }
        if (code == 403) {
            return new HubException(repo + ": access refused (HTTP 403" + hubMessage + "): the repo is gated or private:"
                    + " ask for access on " + settings.endpoint() + "/" + repo.id() + " and set HF_TOKEN to a token that"
                    + " has it", true);
        }
        return new HubException(repo + ": HTTP " + code + " from " + url + hubMessage, false);
    }

    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.isEmpty() ? null : e;
    }

    private static long parseSize(String s) {
        try {
            long v = Long.parseLong(s.strip());
            return v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** Percent-encodes all but the unreserved characters (RFC 3986), as Python's quote(s, safe=""). */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xFF);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                b.append(c);
            } else {
                b.append('%').append(HexFormat.of().withUpperCase().toHexDigits(x));
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        metadataClient.close();
        downloadClient.close();
    }
}
