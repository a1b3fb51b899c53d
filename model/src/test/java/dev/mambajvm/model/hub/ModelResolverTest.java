package dev.mambajvm.model.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mambajvm.model.weights.Checkpoint;
import dev.mambajvm.model.weights.SafetensorsWriter;
import dev.mambajvm.model.weights.Tensor;
import dev.mambajvm.model.weights.WeightLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelResolver} against {@link FakeHub} (loopback only) and caches laid out as Python's
 * huggingface_hub lays them out, with the tiny Mamba-1 fixture as the repo's files.
 */
class ModelResolverTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String OTHER_COMMIT = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path tmp;
    Path cache;
    FakeHub hub;
    StringWriter log = new StringWriter();

    @BeforeEach
    void start() throws IOException {
        cache = tmp.resolve("hub");
        hub = new FakeHub();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    static Path fixture() throws Exception {
        return Path.of(ModelResolverTest.class.getResource("/fixtures/hf/mamba1-tiny").toURI());
    }

    static Map<String, byte[]> tinyFiles() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors")) {
            files.put(f, Files.readAllBytes(fixture().resolve(f)));
        }
        return files;
    }

    ModelResolver resolver(HubSettings settings) {
        return new ModelResolver(settings, new ProgressPrinter(new PrintWriter(log, true), false));
    }

    ModelResolver resolver() {
        return resolver(HubSettings.of(hub.endpoint(), cache));
    }

    Path repoFolder() {
        return cache.resolve("models--org--tiny");
    }

    /** The checkpoint in {@code dir} is the fixture's: same weight bytes, and it opens and checks as a model. */
    static void assertIsTheFixture(Path dir) throws Exception {
        assertEquals(-1, Files.mismatch(dir.resolve("model.safetensors"), fixture().resolve("model.safetensors")));
        assertEquals(-1, Files.mismatch(dir.resolve("config.json"), fixture().resolve("config.json")));
        try (Checkpoint c = Checkpoint.open(dir)) {
            WeightLayout.of(c.config()).check(c);
        }
    }

    static List<Path> incompleteFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".incomplete")).toList();
        }
    }

    // ------------------------------------------------------------------ the cache alone

    /** A cache as huggingface_hub writes it: refs/main, blobs named by ETag, relative symlinks, .no_exist. */
    void layOutLikePython(boolean withNoExistMarker) throws Exception {
        Path repo = repoFolder();
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);   // no newline, as Python writes it
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("blobs"));
        for (Map.Entry<String, byte[]> f : tinyFiles().entrySet()) {
            String etag = FakeHub.lfs(f.getKey()) ? FakeHub.sha256(f.getValue()) : FakeHub.gitBlobSha1(f.getValue());
            Files.write(repo.resolve("blobs").resolve(etag), f.getValue());
            Files.createSymbolicLink(snapshot.resolve(f.getKey()), Path.of("../../blobs").resolve(etag));
        }
        if (withNoExistMarker) {
            Files.createDirectories(repo.resolve(".no_exist").resolve(COMMIT));
            Files.createFile(repo.resolve(".no_exist").resolve(COMMIT).resolve("tokenizer.json"));
        }
    }

    @Test
    void pythonsCacheIsUsedWithoutTheNetwork() throws Exception {
        layOutLikePython(true);
        Path dir = resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT);
        assertEquals(repoFolder().resolve("snapshots").resolve(COMMIT), dir);
        assertIsTheFixture(dir);
        assertEquals(List.of(), hub.hubRequests, "a complete cached snapshot needs no request");
        // The same offline, and pinned to the commit.
        assertEquals(dir, resolver(HubSettings.of(hub.endpoint(), cache).withOffline(true))
                .resolve("org/tiny@" + COMMIT, ModelResolver.Need.CHECKPOINT));
        assertEquals(List.of(), hub.hubRequests);
        assertEquals("", log.toString());
    }

    @Test
    void anOptionalFileTheCacheKnowsNothingOfIsAskedOnceThenRemembered() throws Exception {
        layOutLikePython(false);   // snapshot_download leaves no .no_exist marker for files the repo lacks
        hub.add("org/tiny", COMMIT, tinyFiles(), null);
        Path dir = resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT);
        assertIsTheFixture(dir);
        // One HEAD to learn main's commit (config.json, already cached), one for tokenizer.json: 404.
        assertEquals(List.of("HEAD /org/tiny/resolve/main/config.json", "HEAD /org/tiny/resolve/" + COMMIT + "/tokenizer.json"),
                hub.hubRequests.stream().map(r -> r.method() + " " + r.path()).toList());
        assertTrue(Files.exists(repoFolder().resolve(".no_exist").resolve(COMMIT).resolve("tokenizer.json")));
        hub.hubRequests.clear();
        assertEquals(dir, resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
        assertEquals(List.of(), hub.hubRequests);
        assertEquals("", log.toString(), "nothing was downloaded");
    }

    @Test
    void anOptionalGapWithTheHubUnreachableStillGivesTheCachedCheckpoint() throws Exception {
        layOutLikePython(false);
        URI closed = hub.endpoint();
        hub.close();
        assertIsTheFixture(resolver(HubSettings.of(closed, cache)).resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
    }

    @Test
    void anExistingLocalFolderWins() throws Exception {
        assertEquals(fixture(), resolver().resolve(fixture().toString(), ModelResolver.Need.CHECKPOINT));
        assertEquals(List.of(), hub.hubRequests);
        HubException e = assertThrows(HubException.class,
                () -> resolver().resolve(tmp.resolve("nope").toString(), ModelResolver.Need.CHECKPOINT));
        assertEquals(tmp.resolve("nope") + ": no such folder", e.getMessage());
        assertTrue(e.userError());
        e = assertThrows(HubException.class, () -> resolver().resolve("a/b/c", ModelResolver.Need.CHECKPOINT));
        assertEquals("a/b/c: no such folder, and not a Hugging Face repo id (ORG/NAME or ORG/NAME@REVISION)", e.getMessage());
    }

    // ------------------------------------------------------------------ downloads

    @Test
    void downloadsIntoPythonsLayoutThenReusesIt() throws Exception {
        Map<String, byte[]> files = tinyFiles();
        hub.add("org/tiny", COMMIT, files, null);
        Path dir = resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT);
        assertEquals(repoFolder().resolve("snapshots").resolve(COMMIT), dir);
        assertIsTheFixture(dir);
        assertEquals(COMMIT, Files.readString(repoFolder().resolve("refs/main")));
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(dir.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitBlobSha1(files.get("config.json"))),
                Files.readSymbolicLink(dir.resolve("config.json")));
        assertTrue(Files.exists(repoFolder().resolve(".no_exist").resolve(COMMIT).resolve("tokenizer.json")));
        assertEquals(List.of(), incompleteFiles(cache));
        assertTrue(log.toString().startsWith("downloading org/tiny (commit 0123456789ab) into " + repoFolder() + "\n"), log.toString());
        assertTrue(log.toString().contains("  model.safetensors (385.9 KiB)\n"), log.toString());
        // The LFS file came from the CDN, after a HEAD and a GET of the hub's resolve URL for the commit.
        assertEquals(List.of("GET /blobs/" + sha), hub.cdnRequests.stream().map(r -> r.method() + " " + r.path()).toList());

        hub.hubRequests.clear();
        hub.cdnRequests.clear();
        String before = log.toString();
        assertEquals(dir, resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
        assertEquals(List.of(), hub.hubRequests, "second run: all in the cache");
        assertEquals(before, log.toString());
    }

    @Test
    void aRepoAtAnotherCommitReusesTheBlobsItShares() throws Exception {
        hub.add("org/tiny", COMMIT, tinyFiles(), null);
        resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT);
        hub.add("org/tiny", OTHER_COMMIT, tinyFiles(), null);   // main moved; same contents
        hub.cdnRequests.clear();
        Path dir = resolver().resolve("org/tiny@" + OTHER_COMMIT, ModelResolver.Need.CHECKPOINT);
        assertEquals(repoFolder().resolve("snapshots").resolve(OTHER_COMMIT), dir);
        assertIsTheFixture(dir);
        assertEquals(List.of(), hub.cdnRequests, "the blobs were already there");
        assertEquals(COMMIT, Files.readString(repoFolder().resolve("refs/main")), "a pinned commit writes no ref");
    }

    @Test
    void aDroppedConnectionIsResumedWithARangeRequest() throws Exception {
        Map<String, byte[]> files = tinyFiles();
        hub.add("org/tiny", COMMIT, files, null);
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        hub.dropFile = "model.safetensors";
        hub.dropAt = 100_000;
        hub.dropWatch = repoFolder().resolve("blobs").resolve(sha + ".incomplete");
        Path dir = resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT);
        assertIsTheFixture(dir);
        assertEquals(List.of("GET null", "GET bytes=100000-"),
                hub.cdnRequests.stream().map(r -> r.method() + " " + r.range()).toList());
        assertTrue(log.toString().contains("  model.safetensors interrupted at 97.7 KiB ("), log.toString());
        assertTrue(log.toString().contains("  model.safetensors (385.9 KiB, resuming at 97.7 KiB)"), log.toString());
        assertEquals(List.of(), incompleteFiles(cache));
    }

    @Test
    void aPartialFileFromAnEarlierRunIsContinued() throws Exception {
        Map<String, byte[]> files = tinyFiles();
        hub.add("org/tiny", COMMIT, files, null);
        byte[] weights = files.get("model.safetensors");
        String sha = FakeHub.sha256(weights);
        Files.createDirectories(repoFolder().resolve("blobs"));
        Files.write(repoFolder().resolve("blobs").resolve(sha + ".incomplete"), Arrays.copyOf(weights, 50_000));
        assertIsTheFixture(resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
        assertEquals(List.of("bytes=50000-"), hub.cdnRequests.stream().map(FakeHub.Request::range).toList());
    }

    @Test
    void aChecksumMismatchDeletesTheDownloadAndSaysSo() throws Exception {
        Map<String, byte[]> files = tinyFiles();
        hub.add("org/tiny", COMMIT, files, null);
        hub.corruptFile = "model.safetensors";
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        HubException e = assertThrows(HubException.class, () -> resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
        assertTrue(e.getMessage().startsWith("org/tiny: model.safetensors from " + hub.endpoint()
                + "/org/tiny/resolve/" + COMMIT + "/model.safetensors is corrupt: its SHA-256 is "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", the hub announced " + sha + " (the download was deleted; run the command again)"),
                e.getMessage());
        assertFalse(e.userError());
        assertEquals(List.of(), incompleteFiles(cache));
        assertFalse(Files.exists(repoFolder().resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(repoFolder().resolve("snapshots").resolve(COMMIT).resolve("model.safetensors"), LinkOption.NOFOLLOW_LINKS));
        // Served right, the next run succeeds.
        hub.corruptFile = null;
        assertIsTheFixture(resolver().resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
    }

    @Test
    void shardedCheckpointsFetchTheIndexAndEveryShard() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", Files.readAllBytes(fixture().resolve("config.json")));
        try (Checkpoint original = Checkpoint.open(fixture())) {
            List<Tensor> all = new ArrayList<>(original.tensors().values());
            SafetensorsWriter first = new SafetensorsWriter();
            SafetensorsWriter second = new SafetensorsWriter();
            StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
            for (int i = 0; i < all.size(); i++) {
                Tensor t = all.get(i);
                boolean inFirst = i < all.size() / 2;
                (inFirst ? first : second).add(t.name(), t.dtype(), t.shape(), t.data());
                index.append(i > 0 ? ", " : "").append('"').append(t.name()).append("\": \"model-0000")
                        .append(inFirst ? 1 : 2).append("-of-00002.safetensors\"");
            }
            first.write(tmp.resolve("1.safetensors"));
            second.write(tmp.resolve("2.safetensors"));
            files.put(Checkpoint.INDEX_FILE, index.append("}}").toString().getBytes(StandardCharsets.UTF_8));
            files.put("model-00001-of-00002.safetensors", Files.readAllBytes(tmp.resolve("1.safetensors")));
            files.put("model-00002-of-00002.safetensors", Files.readAllBytes(tmp.resolve("2.safetensors")));
            hub.add("org/sharded", COMMIT, files, null);

            Path dir = resolver().resolve("org/sharded", ModelResolver.Need.CHECKPOINT);
            try (Checkpoint c = Checkpoint.open(dir)) {
                assertEquals(2, c.files().size());
                WeightLayout.of(c.config()).check(c);
                for (Tensor t : all) {
                    assertEquals(-1, c.tensor(t.name()).data().mismatch(t.data()), t.name());
                }
            }
            Path noExist = cache.resolve("models--org--sharded/.no_exist").resolve(COMMIT);
            assertTrue(Files.exists(noExist.resolve("model.safetensors")));
            assertEquals(2, hub.cdnRequests.size());
            // Cached now, and found offline too.
            assertEquals(dir, resolver(HubSettings.of(hub.endpoint(), cache).withOffline(true))
                    .resolve("org/sharded", ModelResolver.Need.CHECKPOINT));
        }
    }

    @Test
    void tokenizeNeedsOnlyTheTokenizer() throws Exception {
        byte[] tokenizer = "{\"model\": {}}".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> files = new LinkedHashMap<>(tinyFiles());
        files.put("tokenizer.json", tokenizer);
        hub.add("org/tiny", COMMIT, files, null);
        Path dir = resolver().resolve("org/tiny", ModelResolver.Need.TOKENIZER);
        assertArrayEquals(tokenizer, Files.readAllBytes(dir.resolve("tokenizer.json")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")), "the weights were not downloaded");
        assertEquals(List.of(), hub.cdnRequests);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void unknownReposRevisionsAndFilesAreClearUserErrors() throws Exception {
        hub.add("org/tiny", COMMIT, tinyFiles(), null);
        hub.add("org/empty", COMMIT, Map.of("README.md", new byte[]{'x'}), null);
        HubSettings withToken = HubSettings.of(hub.endpoint(), cache).withToken("hf_someone");
        HubException e = assertThrows(HubException.class,
                () -> resolver(withToken).resolve("org/nope", ModelResolver.Need.CHECKPOINT));
        assertEquals("org/nope: repo not found on " + hub.endpoint() + ", or it is private or gated and needs HF_TOKEN"
                + " (a token was sent: check that it has access to this repo) (HTTP 404)", e.getMessage());
        assertTrue(e.userError());
        e = assertThrows(HubException.class, () -> resolver().resolve("org/tiny@v9", ModelResolver.Need.CHECKPOINT));
        assertEquals("org/tiny: no revision 'v9' on " + hub.endpoint() + " (HTTP 404)", e.getMessage());
        e = assertThrows(HubException.class, () -> resolver().resolve("org/empty", ModelResolver.Need.CHECKPOINT));
        assertEquals("org/empty: the repo has no config.json (expected a Hugging Face transformers checkpoint)", e.getMessage());
        e = assertThrows(HubException.class, () -> resolver().resolve("org/tiny", ModelResolver.Need.TOKENIZER));
        assertEquals("org/tiny: the repo has no tokenizer.json", e.getMessage());
    }

    @Test
    void aPrivateRepoNeedsItsTokenWhichNeverGoesToTheCdn() throws Exception {
        hub.add("org/private", COMMIT, tinyFiles(), "hf_secret");
        HubSettings anonymous = HubSettings.of(hub.endpoint(), cache);
        HubException e = assertThrows(HubException.class,
                () -> resolver(anonymous).resolve("org/private", ModelResolver.Need.CHECKPOINT));
        assertEquals("org/private: repo not found on " + hub.endpoint() + ", or it is private or gated and needs HF_TOKEN"
                + " (no token: set HF_TOKEN, or log in with `hf auth login`) (HTTP 401)", e.getMessage());
        e = assertThrows(HubException.class,
                () -> resolver(anonymous.withToken("hf_wrong")).resolve("org/private", ModelResolver.Need.CHECKPOINT));
        assertTrue(e.getMessage().contains("(a token was sent: check that it has access to this repo) (HTTP 404)"), e.getMessage());
        hub.hubRequests.clear();

        assertIsTheFixture(resolver(anonymous.withToken("hf_secret")).resolve("org/private", ModelResolver.Need.CHECKPOINT));
        assertFalse(hub.hubRequests.isEmpty());
        assertTrue(hub.hubRequests.stream().allMatch(r -> "Bearer hf_secret".equals(r.authorization())), hub.hubRequests.toString());
        assertEquals(1, hub.cdnRequests.size());
        assertEquals(null, hub.cdnRequests.getFirst().authorization(), "the token stays with the hub");
    }

    @Test
    void offlineWithoutTheModelSaysWhereItLookedAndWhatToDo() throws Exception {
        hub.add("org/tiny", COMMIT, tinyFiles(), null);
        HubException e = assertThrows(HubException.class,
                () -> resolver(HubSettings.of(hub.endpoint(), cache).withOffline(true)).resolve("org/tiny", ModelResolver.Need.CHECKPOINT));
        assertEquals("org/tiny is not in the Hugging Face cache (" + repoFolder() + ") and HF_HUB_OFFLINE is set: run"
                + " `huggingface-cli download org/tiny` on a machine with network, copy the folder models--org--tiny of"
                + " its Hugging Face cache into " + cache + ", or pass a local checkpoint folder", e.getMessage());
        assertFalse(e.userError());
        assertEquals(List.of(), hub.hubRequests);

        // Half a snapshot (only config.json), the hub unreachable: the message names the missing file.
        Path snapshot = Files.createDirectories(repoFolder().resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repoFolder().resolve("refs"));
        Files.writeString(repoFolder().resolve("refs/main"), COMMIT);
        Files.copy(fixture().resolve("config.json"), snapshot.resolve("config.json"));
        URI closed = hub.endpoint();
        hub.close();
        e = assertThrows(HubException.class,
                () -> resolver(HubSettings.of(closed, cache)).resolve("org/tiny@main", ModelResolver.Need.CHECKPOINT));
        assertTrue(e.getMessage().startsWith("org/tiny is not in the Hugging Face cache (" + repoFolder()
                + ": no model.safetensors for revision main) and the hub cannot be reached (" + closed + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("`huggingface-cli download org/tiny`"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
