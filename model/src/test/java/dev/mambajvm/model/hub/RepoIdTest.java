package dev.mambajvm.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RepoIdTest {
    @Test
    void parsesIdsAndRevisions() {
        assertEquals(Optional.of(new RepoId("state-spaces/mamba-130m-hf", "main")), RepoId.parse("state-spaces/mamba-130m-hf"));
        assertEquals(Optional.of(new RepoId("org/name", "v1.0")), RepoId.parse("org/name@v1.0"));
        assertEquals(Optional.of(new RepoId("org/name", "refs/pr/3")), RepoId.parse("org/name@refs/pr/3"));
        RepoId pinned = RepoId.parse("org/name@0123456789abcdef0123456789abcdef01234567").orElseThrow();
        assertTrue(pinned.revisionIsCommit());
        assertEquals("models--state-spaces--mamba-130m-hf", RepoId.parse("state-spaces/mamba-130m-hf").orElseThrow().cacheFolderName());
        assertEquals("org/name@v1", RepoId.parse("org/name@v1").orElseThrow().toString());
        assertEquals("org/name", RepoId.parse("org/name@main").orElseThrow().toString());
    }

    @Test
    void pathsAndMalformedIdsAreNotRepoIds() {
        for (String s : List.of("mamba", "./org/name", "/abs/path", "~/m", "a/b/c", "org/", "/name", "org/na me",
                "org/../x", "or--g/name", "org/name@", "org/name@../x", "org/name@a//b", "-org/name", "org/name.",
                "..org/name", "org\\name")) {
            assertEquals(Optional.empty(), RepoId.parse(s), s);
        }
    }
}
