/**
 * The resources' `*Args` types, derived from the input types that scripts/generate.js writes to
 * provider/domain/schemaTypes.ts from schema.json, so a field added to the schema reaches the SDK without a second edit.
 */
import type * as pulumi from "@pulumi/pulumi";

/** `T` as a Pulumi input: an array's elements are inputs too (`Input<Input<string>[]>`). */
export type InputOf<T> = [T] extends [readonly (infer E)[]] ? pulumi.Input<InputOf<E>[]> : pulumi.Input<T>;

/**
 * Each field of `T` as a Pulumi input. Homomorphic, so each field keeps its optionality and the
 * doc comment the generator wrote for it (editors show it on hover and completion).
 */
export type Inputs<T> = { [K in keyof T]: InputOf<Exclude<T[K], undefined>> };

/**
 * What a resource constructor sends the provider (`props`): every field of `T` by name, and any
 * other property (outputs as `undefined`, `managedBy`, ...). Checked with `satisfies`, so a field
 * added to the schema that a constructor does not pass on fails the build instead of being dropped.
 */
export type PropsWith<T> = { [K in keyof T]-?: unknown } & { [key: string]: unknown };
