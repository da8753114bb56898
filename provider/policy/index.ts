/** The policy pack's entry point (policy/package.json's `main`): the engine loads the pack from here. */
import { makePack } from "./pack";

makePack();
