"""The names Keras gives its own layers, activations and losses, to tell built-in from custom.

A saved model names every layer class, activation and loss it uses; anything not named here needs
the student's own code to load. The sets were generated from the installed Keras 3 (`keras`) and
Keras 2 (`tf_keras`, including `layers.experimental`): every exported name of a Layer subclass and
its `__name__` (the name a file records), every public activation and loss function, every Loss
class; plus the names only older files carry. tests/test_inspect.py checks that everything the
installed packages export is still listed, so an upgrade that adds a layer fails a test instead
of getting students' models flagged as custom.
"""
from __future__ import annotations

import types

# Names that Keras 2.2-2.4 and early tf.keras files use but today's packages no longer export.
# TFOpLambda, SlicingOpLambda, TensorFlowOpLayer and the Instance*/ClassMethod layers record a
# TensorFlow op by name (what `tf.reshape(x, ...)` on a Keras tensor becomes), not Python code.
_LEGACY_LAYER_CLASSES = frozenset({
    "ClassMethod", "ConvLSTM2DCell", "ConvRNN2D", "CuDNNGRU", "CuDNNLSTM", "InstanceMethod",
    "InstanceProperty", "SequenceFeatures",
    "SlicingOpLambda", "TFOpLambda", "TensorFlowOpLayer",
})

_CURRENT_LAYER_CLASSES = frozenset({
    "AbstractRNNCell", "Activation", "ActivityRegularization", "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Add", "AdditiveAttention", "AlphaDropout",
    "Attention", "AugMix", "AutoContrast", "Average", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "BatchNormalization",
    "Bidirectional", "CategoryEncoding", "CenterCrop", "Concatenate",
    "ContrastLimitedAdaptiveHistogramEqualization", "Conv1D", "Conv1DTranspose", "Conv2D",
    "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
    "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D", "CutMix",
    "Dense", "DenseFeatures", "DepthwiseConv1D", "DepthwiseConv2D", "Discretization", "Dot",
    "Dropout", "DynamicEmbedding", "DynamicLookup", "ELU", "EinsumDense", "Embedding",
    "Equalization", "Flatten", "FlaxLayer", "GRU", "GRUCell", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GroupNormalization",
    "GroupQueryAttention", "GroupedQueryAttention", "HashedCrossing", "Hashing", "Identity",
    "InputLayer", "IntegerLookup", "JaxLayer", "LSTM", "LSTMCell", "Lambda", "Layer",
    "LayerNormalization", "LeakyReLU", "LocallyConnected1D", "LocallyConnected2D", "Masking",
    "MaxNumBoundingBoxes", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D",
    "MaxPooling3D", "Maximum", "MelSpectrogram", "Minimum", "MixUp", "MultiHeadAttention",
    "Multiply", "Normalization", "PReLU", "Permute", "Pipeline", "PreprocessingLayer",
    "RMSNormalization", "RNN", "RandAugment", "RandomBrightness", "RandomColorDegeneration",
    "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform", "RandomErasing",
    "RandomFlip", "RandomFourierFeatures", "RandomGaussianBlur", "RandomGrayscale", "RandomHeight",
    "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomRotation",
    "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation", "RandomWidth",
    "RandomZoom", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Resizing", "ReversibleEmbedding",
    "STFTSpectrogram", "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D",
    "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax", "Solarization",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "SpectralNormalization",
    "StackedRNNCells", "StringLookup", "Subtract", "SyncBatchNormalization", "TFSMLayer",
    "TextVectorization", "ThresholdedReLU", "TimeDistributed", "TorchModuleWrapper",
    "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D", "Wrapper", "ZeroPadding1D",
    "ZeroPadding2D", "ZeroPadding3D"
})

BUILTIN_LAYER_CLASSES = _CURRENT_LAYER_CLASSES | _LEGACY_LAYER_CLASSES

# Model classes that may appear as a layer of another model (a Sequential inside a Sequential).
# "Model" is what Keras 2.2 wrote for functional models.
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})

# Built-in layers whose config carries code or points outside the file: a Lambda holds marshalled
# Python bytecode, TorchModuleWrapper a pickled module, JaxLayer/FlaxLayer Python callables, and
# TFSMLayer loads a SavedModel from a path. The grader refuses them like custom classes.
CODE_CARRYING_LAYERS = frozenset(
    {"Lambda", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TFSMLayer"}
)

# Layers that only apply an activation, and the activation each applies ("Activation" names its
# own in its config).
ACTIVATION_LAYERS = types.MappingProxyType({
    "Softmax": "softmax",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "PReLU": "prelu",
    "ThresholdedReLU": "thresholded_relu",
})

# Wrappers whose units and activation are those of the layer they wrap.
WRAPPER_LAYERS = frozenset({"TimeDistributed", "Bidirectional"})

# Activation functions by the name a file records. tf.nn functions are recorded with a "_v2"
# suffix ("softmax_v2"), which the inspector strips before looking a name up.
BUILTIN_ACTIVATIONS = frozenset({
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
    "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
    "threshold"
})

# Loss functions and Loss classes. Keras 2.2 called cosine_similarity "cosine_proximity".
BUILTIN_LOSSES = frozenset({
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLD", "KLDivergence", "LogCosh", "MAE",
    "MAPE", "MSE", "MSLE", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "Tversky", "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_generalized_cross_entropy", "categorical_hinge",
    "circle", "cosine_similarity", "ctc", "dice", "hinge", "huber", "kl_divergence", "kld",
    "kullback_leibler_divergence", "log_cosh", "logcosh", "mae", "mape", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error", "mse",
    "msle", "poisson", "sparse_categorical_crossentropy", "squared_hinge", "tversky"
}) | {"cosine_proximity"}
