/**
 * FlowGuard's flow model: exact normalizing-flow densities for tabular events.
 *
 * <p>Layout: {@code bijector} (invertible maps with their log-determinants), {@code nn} (DJL blocks: masked linear
 * layers, MADE, MLP conditioners), {@code flow} (flows, base distributions, the factory for MAF/NSF), {@code train}
 * (maximum-likelihood training), {@code score} (per-event scores), {@code checkpoint} (one-file model format) and
 * {@code engine} (device choice). No Kafka, Flink, Avro or Prometheus here.
 */
package io.flowguard.model;
