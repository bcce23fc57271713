# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.KerasLayer: Sonnet modules in Keras 3 models."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from sonnet.src import base
from sonnet.src import batch_norm
from sonnet.src import embed
from sonnet.src import keras_layer
from sonnet.src import linear
from sonnet.src.nets import mlp as mlp_lib

RNG = np.random.RandomState(0)
X = RNG.randn(128, 6).astype(np.float32) * 2.0 + 1.0
Y = (X[:, 0] - X[:, 1] > 0.0).astype(np.int32)


@keras.saving.register_keras_serializable(package="sonnet_test")
def make_bn_mlp():
  """A factory for the save/load tests: batch norm, then an MLP."""
  bn, mlp = batch_norm.BatchNorm(), mlp_lib.MLP([8, 2])
  return lambda x, is_training: mlp(bn(x, is_training=is_training, test_local_stats=False))


def compile_model(model):
  model.compile(optimizer=keras.optimizers.Adam(0.02),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  return model


def bn_mlp_model():
  return compile_model(keras.Sequential(
      [keras.Input((6,)), keras_layer.KerasLayer(factory=make_bn_mlp)]))


class KerasLayerTest(tf.test.TestCase):

  def test_weights_are_the_module_variables(self):
    mlp = mlp_lib.MLP([4, 3])
    layer = keras_layer.KerasLayer(mlp)
    model = keras.Sequential([keras.Input((5,)), layer])
    self.assertLen(model.trainable_weights, 4)
    self.assertEmpty(model.non_trainable_weights)
    self.assertEqual(model.count_params(), 5 * 4 + 4 + 4 * 3 + 3)
    for weight in layer.trainable_weights:
      self.assertTrue(any(weight.value is v for v in mlp.variables))
    x = RNG.randn(2, 5).astype(np.float32)
    w0, b0, w1, b1 = (mlp.layers[0].w, mlp.layers[0].b, mlp.layers[1].w, mlp.layers[1].b)
    expected = np.maximum(x @ w0.numpy() + b0.numpy(), 0) @ w1.numpy() + b1.numpy()
    self.assertAllClose(model.predict(x, verbose=0), expected, atol=1e-5)
    self.assertAllClose(layer(x), expected, atol=1e-5)

  def test_summary_counts_parameters(self):
    model = keras.Sequential([keras.Input((6,)),
                              keras_layer.KerasLayer(make_bn_mlp(), name="snt")])
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    text = "\n".join(lines)
    trainable = 6 + 6 * 8 + 8 + 8 * 2 + 2  # BatchNorm's offset, then the MLP.
    self.assertIn(f"Trainable params: {trainable}", text)
    self.assertIn("Non-trainable params: 12", text)  # Moving mean and variance.

  def test_fit_reduces_loss_and_changes_every_trainable_weight(self):
    model = bn_mlp_model()
    before = [w.numpy().copy() for w in model.trainable_weights]
    moving = [w.numpy().copy() for w in model.non_trainable_weights]
    loss_before = model.evaluate(X, Y, verbose=0)
    history = model.fit(X, Y, epochs=5, batch_size=32, verbose=0)
    self.assertLess(model.evaluate(X, Y, verbose=0), 0.7 * loss_before)
    self.assertLess(history.history["loss"][-1], history.history["loss"][0])
    self.assertLen(before, 5)
    for old, weight in zip(before, model.trainable_weights):
      self.assertGreater(np.abs(weight.numpy() - old).max(), 0.0, weight.path)
    # The moving averages moved towards the data's mean (about 1) and variance (about 4).
    self.assertLen(moving, 2)
    for old, weight in zip(moving, model.non_trainable_weights):
      self.assertGreater(np.abs(weight.numpy() - old).max(), 0.0, weight.path)

  def test_evaluate_and_predict_leave_moving_averages(self):
    model = bn_mlp_model()
    moving = [w.numpy().copy() for w in model.non_trainable_weights]
    model.evaluate(X, Y, verbose=0)
    model.predict(X, verbose=0)
    for old, weight in zip(moving, model.non_trainable_weights):
      self.assertAllEqual(weight.numpy(), old)

  def test_training_flag_reaches_batch_norm(self):
    bn = batch_norm.BatchNorm(decay_rate=0.5)
    # Sonnet 1's default, test_local_stats=True, normalises with the batch's statistics
    # in inference too; with False, inference uses the moving averages.
    layer = keras_layer.KerasLayer(
        lambda x, is_training: bn(x, is_training=is_training, test_local_stats=False))
    x = X[:16]
    mean, var = x.mean(0), x.var(0)
    # Training: normalised with the batch's statistics; the moving mean moves halfway.
    self.assertAllClose(layer(x, training=True), (x - mean) / np.sqrt(var + 1e-3),
                        atol=1e-4)
    self.assertAllClose(bn.moving_mean.numpy().ravel(), 0.5 * mean, atol=1e-5)
    # Inference (the default): normalised with the moving statistics, nothing updated.
    moving_mean = bn.moving_mean.numpy().ravel()
    moving_var = bn.moving_variance.numpy().ravel()
    self.assertAllClose(layer(x), (x - moving_mean) / np.sqrt(moving_var + 1e-3), atol=1e-4)
    self.assertAllClose(layer(x, training=False), layer(x), atol=0.0)
    self.assertAllEqual(bn.moving_mean.numpy().ravel(), moving_mean)
    # The module itself as the layer: the flag reaches its `is_training` parameter.
    bn_layer = keras_layer.KerasLayer(batch_norm.BatchNorm(decay_rate=0.5))
    bn_layer(x, training=True)
    self.assertAllClose(bn_layer.module.moving_mean.numpy().ravel(), 0.5 * mean, atol=1e-5)
    bn_layer(x)
    self.assertAllClose(bn_layer.module.moving_mean.numpy().ravel(), 0.5 * mean, atol=1e-5)

  def test_module_without_is_training_gets_no_flag(self):
    lin = linear.Linear(2)
    layer = keras_layer.KerasLayer(lambda x: lin(x) * 2.0)
    out = layer(X[:3], training=True)
    self.assertAllClose(out, 2.0 * (X[:3] @ lin.w.numpy() + lin.b.numpy()), atol=1e-5)
    self.assertLen(layer.trainable_weights, 2)

  def test_mixed_keras_and_sonnet_model_trains(self):
    bn = batch_norm.BatchNorm()
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    hidden = keras_layer.KerasLayer(lambda h, is_training: bn(h, is_training=is_training))(
        hidden)
    hidden = keras_layer.KerasLayer(linear.Linear(8))(hidden)
    outputs = keras.layers.Dense(2)(keras.layers.Activation("relu")(hidden))
    model = compile_model(keras.Model(inputs, outputs))
    self.assertLen(model.trainable_weights, 2 + 1 + 2 + 2)
    self.assertLen(model.non_trainable_weights, 2)
    before = [w.numpy().copy() for w in model.trainable_weights]
    loss_before = model.evaluate(X, Y, verbose=0)
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))
    model.fit(X, Y, epochs=4, batch_size=32, verbose=0, callbacks=[callback])
    self.assertEqual(seen, [0, 1, 2, 3])
    self.assertLess(model.evaluate(X, Y, verbose=0), loss_before)
    for old, weight in zip(before, model.trainable_weights):
      self.assertGreater(np.abs(weight.numpy() - old).max(), 0.0, weight.path)
    self.assertGreater(np.abs(bn.moving_mean.numpy()).max(), 0.0)

  def test_save_and_load_model_with_factory(self):
    model = bn_mlp_model()
    model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
    path = os.path.join(tempfile.mkdtemp(dir=self.get_temp_dir()), "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    self.assertIsInstance(loaded.layers[-1], keras_layer.KerasLayer)
    self.assertAllEqual(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    for saved, restored in zip(model.weights, loaded.weights):
      self.assertAllEqual(saved.numpy(), restored.numpy())
    # The loaded model keeps training.
    loaded.fit(X, Y, epochs=1, verbose=0)

  def test_save_weights_round_trip_without_factory(self):
    def build():
      bn, mlp = batch_norm.BatchNorm(), mlp_lib.MLP([8, 2])
      return keras.Sequential([keras.Input((6,)), keras_layer.KerasLayer(
          lambda x, is_training: mlp(bn(x, is_training=is_training, test_local_stats=False)))])
    model = compile_model(build())
    model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
    with self.assertRaisesRegex(NotImplementedError, "factory=.*save_weights"):
      model.get_config()
    path = os.path.join(tempfile.mkdtemp(dir=self.get_temp_dir()), "model.weights.h5")
    model.save_weights(path)
    fresh = build()
    self.assertNotAllClose(fresh.predict(X, verbose=0), model.predict(X, verbose=0))
    fresh.load_weights(path)
    self.assertAllEqual(fresh.predict(X, verbose=0), model.predict(X, verbose=0))

  def test_weight_order_does_not_follow_names(self):
    # The second process-wide "lin" module ten modules later is named lin_10 < lin_9.
    for _ in range(9):
      linear.Linear(1, name="lin")

    def build():
      first, second = linear.Linear(5, name="lin"), linear.Linear(2, name="lin")
      return keras.Sequential([keras.Input((3,)),
                               keras_layer.KerasLayer(lambda x: second(first(x)))])
    model = build()
    self.assertEqual([tuple(w.shape) for w in model.weights], [(5,), (3, 5), (2,), (5, 2)])
    path = os.path.join(tempfile.mkdtemp(dir=self.get_temp_dir()), "model.weights.h5")
    model.save_weights(path)
    fresh = build()
    fresh.load_weights(path)
    self.assertAllEqual(fresh.predict(X[:4, :3], verbose=0), model.predict(X[:4, :3], verbose=0))

  def test_tf_checkpoint_round_trip(self):
    lin = linear.Linear(2)
    model = keras.Sequential([keras.Input((6,)), keras_layer.KerasLayer(lin)])
    path = tf.train.Checkpoint(model=model).save(os.path.join(self.get_temp_dir(), "ckpt"))
    expected = lin.w.numpy()
    lin.w.assign(tf.zeros_like(lin.w))
    tf.train.Checkpoint(model=model).restore(path).assert_existing_objects_matched()
    self.assertAllEqual(lin.w.numpy(), expected)

  def test_integer_inputs_keep_their_dtype(self):
    emb = embed.Embed(vocab_size=10, embed_dim=3)
    layer = keras_layer.KerasLayer(emb)
    ids = np.array([[1, 2], [3, 9]], np.int32)
    self.assertAllClose(layer(ids), emb.embeddings.numpy()[ids])
    model = keras.Sequential([keras.Input((2,), dtype="int32"),
                              keras_layer.KerasLayer(embed.Embed(vocab_size=10, embed_dim=3))])
    self.assertEqual(model.predict(ids, verbose=0).shape, (2, 2, 3))

  def test_sonnet_module_on_keras_tensor_names_keras_layer(self):
    mlp = mlp_lib.MLP([4, 2])
    with self.assertRaisesRegex(ValueError, r"snt\.KerasLayer\(module\)"):
      mlp(keras.Input((3,)))
    with self.assertRaisesRegex(ValueError, r"snt\.KerasLayer\(module\)"):
      linear.Linear(2)(keras.Input((3,)))
    # The failed calls took nothing with them: the modules still work on tensors.
    self.assertEqual(mlp(tf.ones([1, 3])).shape, (1, 2))

  def test_module_first_called_in_an_untracking_keras_layer_raises(self):
    # A keras.Model subclass holding a Sonnet module would train nothing.

    class Holder(keras.Model):

      def __init__(self):
        super().__init__()
        self.mlp = mlp_lib.MLP([4, 1])

      def call(self, x):
        return self.mlp(x)

    model = Holder()
    model.compile(optimizer="adam", loss="mse")
    x, y = np.ones([8, 3], np.float32), np.ones([8, 1], np.float32)
    with self.assertRaisesRegex(ValueError, r"inside the `call` of the Keras layer .*"
                                            r"\(Holder\).*snt\.KerasLayer\(module\)"):
      model.fit(x, y, verbose=0)
    self.assertFalse(model.mlp.is_connected)
    lin = linear.Linear(2)
    with self.assertRaisesRegex(ValueError, r"\(Lambda\).*snt\.KerasLayer"):
      keras.layers.Lambda(lambda t: lin(t))(tf.ones([2, 3]))
    # Inside snt.KerasLayer, the same modules train.
    model = keras.Sequential([keras.Input((3,)), keras_layer.KerasLayer(mlp_lib.MLP([4, 1]))])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, verbose=0)
    self.assertLen(model.trainable_weights, 4)

  def test_sub_module_first_called_in_a_keras_layer_inside_a_module_raises(self):
    # The enclosing module's first call found no Keras layer above it; the one between
    # the two modules still decides for the sub-module.
    lin = linear.Linear(2)
    outer = base.Module(lambda t: keras.layers.Lambda(lambda u: lin(u))(t), name="outer")
    with self.assertRaisesRegex(ValueError, r"\(Lambda\).*snt\.KerasLayer"):
      outer(tf.ones([2, 3]))
    self.assertFalse(lin.is_connected)
    # Sub-modules first called directly inside a module inside snt.KerasLayer are fine.
    wrapped = keras_layer.KerasLayer(base.Module(lambda t: mlp_lib.MLP([4, 1])(t)))
    self.assertEqual(wrapped(tf.ones([2, 3])).shape, (2, 1))

  def test_module_used_outside_a_layers_call_is_allowed(self):
    # A custom train_step that updates a Sonnet module itself is not a layer's `call`.
    lin = linear.Linear(1)
    optimizer = keras.optimizers.SGD(0.1)

    class Trainer(keras.Model):

      def call(self, x):
        return x

      def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
          loss = tf.reduce_mean((lin(x) - y) ** 2)
        grads = tape.gradient(loss, lin.trainable_variables)
        optimizer.apply_gradients(zip(grads, lin.trainable_variables))
        return {"loss": loss}

    trainer = Trainer()
    trainer.compile()
    before = lin(tf.ones([1, 3])).numpy()
    trainer.fit(np.ones([8, 3], np.float32), np.zeros([8, 1], np.float32), verbose=0)
    self.assertNotAllClose(lin(tf.ones([1, 3])), before)

  def test_variables_created_after_build_raise(self):
    lin = linear.Linear(2)
    extra = linear.Linear(2)
    layer = keras_layer.KerasLayer(
        lambda x, is_training: extra(lin(x)) if is_training else lin(x))
    model = compile_model(keras.Sequential([keras.Input((6,)), layer]))
    with self.assertRaisesRegex(RuntimeError, "created variables after the layer was built"):
      model.fit(X, Y, epochs=1, verbose=0)

  def test_arguments_checked(self):
    with self.assertRaisesRegex(ValueError, "exactly one of"):
      keras_layer.KerasLayer()
    with self.assertRaisesRegex(ValueError, "exactly one of"):
      keras_layer.KerasLayer(linear.Linear(1), factory=make_bn_mlp)
    with self.assertRaisesRegex(TypeError, "must be a Sonnet module or a callable"):
      keras_layer.KerasLayer(3)  # type: ignore[arg-type]  # deliberately wrong
    self.assertIsInstance(keras_layer.KerasLayer(lambda x: x).module, base.Module)


if __name__ == "__main__":
  tf.test.main()
