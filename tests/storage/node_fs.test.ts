import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { fsStorageSuite } from "../_conformance/fs_storage.ts";

fsStorageSuite("node-fs", (options) => new NodeFsStorage(options), !hasFileSystem);
