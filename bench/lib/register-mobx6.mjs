// `node --import ./bench/lib/register-mobx6.mjs`: see node-hooks.mjs.
import { register } from "node:module";

register("./node-hooks.mjs", import.meta.url);
