# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for module info: the "sonnet" graph collection, SubgraphInputs, observers."""

import copy
import json
import os

import tensorflow as tf

import sonnet as snt
from sonnet.src import module_info


class Identity(snt.AbstractModule):

  def _build(self, inputs, scale=1.0):
    return tf.nest.map_structure(lambda t: t * scale, inputs)


class Outer(snt.AbstractModule):

  def _build(self, inputs):
    return Identity(name="second")(Identity(name="first")(inputs))


class CollectionTest(tf.test.TestCase):

  def test_one_record_per_module_in_first_connection_order(self):
    with tf.Graph().as_default() as graph:
      a, b = Identity(name="a"), Identity(name="b")
      x = tf.ones([2])
      b(x)
      a(x)
      with tf.name_scope("outer"):
        b(x, scale=2.0)
      records = graph.get_collection(snt.SONNET_COLLECTION_NAME)
    self.assertEqual([r.module_name for r in records], ["b", "a"])
    self.assertEqual(records[0].scope_name, "b")
    self.assertEqual(records[0].class_name, f"{__name__}.Identity")
    self.assertEqual([s.name_scope for s in records[0].connected_subgraphs],
                     ["b", "outer/b"])
    self.assertIs(records[0].connected_subgraphs[0].inputs["inputs"], x)
    self.assertEqual(records[0].connected_subgraphs[1].inputs["scale"], 2.0)
    self.assertEqual(json.loads(records[0]),
                     {"class_name": f"{__name__}.Identity", "module_name": "b",
                      "scope_name": "b"})

  def test_record_copies(self):
    record = module_info.ModuleInfo("a", "outer/a", "pkg.A", [])
    copied = copy.deepcopy(record)
    self.assertEqual((copied, copied.scope_name, copied.connected_subgraphs),
                     (record, "outer/a", []))

  def test_no_records_in_eager_mode(self):
    Identity()(tf.ones([1]))
    self.assertEmpty(tf.compat.v1.get_collection(snt.SONNET_COLLECTION_NAME))

  def test_saving_keeps_the_json_text_without_warning(self):
    with tf.Graph().as_default():
      linear = snt.Linear(2)
      linear(tf.ones([1, 2]))
      with self.assertNoLogs(level="WARNING"):
        meta_graph = tf.compat.v1.train.export_meta_graph(
            filename=os.path.join(self.get_temp_dir(), "graph.meta"))
    values = meta_graph.collection_def[snt.SONNET_COLLECTION_NAME].bytes_list.value
    self.assertEqual([json.loads(v)["scope_name"] for v in values], ["linear"])


class SubgraphInputsTest(tf.test.TestCase):

  def test_pair_and_names(self):
    with tf.Graph().as_default():
      module = Identity()
      x = tf.ones([1])
      module(x, scale=3.0)
      inputs = module.last_connected_subgraph.inputs
    args, kwargs = inputs
    self.assertEqual((args, kwargs), ((x,), {"scale": 3.0}))
    self.assertIs(inputs.args[0], x)
    self.assertIs(inputs[0][0], x)
    self.assertEqual(inputs.keys(), ["inputs", "scale"])
    self.assertEqual(inputs, {"inputs": x, "scale": 3.0})
    with self.assertRaisesRegex(KeyError, "'bias' is not a parameter"):
      _ = inputs["bias"]

  def test_var_args_of_snt_module(self):
    with tf.Graph().as_default():
      module = snt.Module(tf.nn.relu)
      x = tf.ones([1])
      module(x)
      self.assertIs(module.last_connected_subgraph.inputs["args"][0], x)


class ObserveConnectionsTest(tf.test.TestCase):

  def test_observes_nested_modules_innermost_first_in_every_mode(self):
    for graph_mode in (False, True):
      seen: list = []
      with (tf.Graph().as_default() if graph_mode else tf.init_scope()):
        outer = Outer()
        x = tf.ones([2])
        with snt.observe_connections(seen.append):
          outputs = outer(x)
        outer(x)  # Outside the context: not observed.
      self.assertEqual([s.module.module_name for s in seen[:2]], ["first", "second"])
      self.assertIs(seen[2].module, outer)
      self.assertIs(seen[0].inputs["inputs"], x)
      self.assertIs(seen[1].inputs["inputs"], seen[0].outputs)
      self.assertIs(seen[2].outputs, outputs)

  def test_module_info_error_is_a_sonnet_error(self):
    self.assertTrue(issubclass(snt.ModuleInfoError, snt.Error))


if __name__ == "__main__":
  tf.test.main()
